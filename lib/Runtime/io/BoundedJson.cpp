//===- BoundedJson.cpp - JSON from untrusted files, nesting bounded -------===//

#include "dsc/Runtime/BoundedJson.h"

#include "dsc/Runtime/BoundedNesting.h"

llvm::Expected<llvm::json::Value> dsc::parseJsonBounded(llvm::StringRef text,
                                                        unsigned maxDepth) {
  if (findNestingBeyond(text, maxDepth))
    return llvm::createStringError("JSON nested deeper than " +
                                   llvm::Twine(maxDepth) + " levels");
  return llvm::json::parse(text);
}
