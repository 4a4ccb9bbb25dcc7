//===- BoundedNesting.cpp - refuse text nested deeper than a parser can take
//===//

#include "dsc/Runtime/BoundedNesting.h"

#include "llvm/ADT/Twine.h"

std::optional<size_t> dsc::findNestingBeyond(llvm::StringRef text,
                                             unsigned maxDepth) {
  unsigned depth = 0;
  for (size_t i = 0, e = text.size(); i < e; ++i) {
    char c = text[i];
    if (c == '"') {
      // A string literal: up to the closing quote, escapes skipped.
      for (++i; i < e && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '/' && i + 1 < e && text[i + 1] == '/') {
      i = std::min(text.find('\n', i), e);
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > maxDepth)
        return i;
    } else if (c == ')' || c == ']' || c == '}' ||
               (c == '>' && (i == 0 || text[i - 1] != '-'))) {
      if (depth > 0)
        --depth;
    }
  }
  return std::nullopt;
}

llvm::Error dsc::checkNesting(llvm::StringRef name, llvm::StringRef text,
                              unsigned maxDepth) {
  std::optional<size_t> offset = findNestingBeyond(text, maxDepth);
  if (!offset)
    return llvm::Error::success();
  llvm::StringRef before = text.take_front(*offset);
  size_t line = before.count('\n') + 1;
  size_t column = *offset - (before.rfind('\n') + 1) + 1;
  return llvm::createStringError(
      name + ":" + llvm::Twine(line) + ":" + llvm::Twine(column) +
      ": brackets nest deeper than " + llvm::Twine(maxDepth) +
      " levels; refused rather than overflow the parser's stack");
}
