//===- BoundedJson.cpp - JSON from untrusted files, nesting bounded -------===//

#include "dsc/Runtime/BoundedJson.h"

llvm::Expected<llvm::json::Value> dsc::parseJsonBounded(llvm::StringRef text,
                                                        unsigned maxDepth) {
  unsigned depth = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        return llvm::createStringError("JSON nested deeper than " +
                                       llvm::Twine(maxDepth) + " levels");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return llvm::json::parse(text);
}
