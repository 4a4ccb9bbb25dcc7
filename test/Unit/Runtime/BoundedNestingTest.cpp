//===- BoundedNestingTest.cpp - brackets counted without recursion --------===//

#include "dsc/Runtime/BoundedNesting.h"
#include "dsc/Runtime/BoundedJson.h"

#include <gtest/gtest.h>

#include <string>

using namespace dsc;

namespace {

std::string nested(const std::string &open, const std::string &close,
                   unsigned depth) {
  std::string text;
  for (unsigned i = 0; i < depth; ++i)
    text += open;
  for (unsigned i = 0; i < depth; ++i)
    text += close;
  return text;
}

TEST(BoundedNesting, CountsEveryKindOfBracket) {
  EXPECT_EQ(findNestingBeyond("([{<x>}])", 4), std::nullopt);
  EXPECT_EQ(findNestingBeyond("([{<x>}])", 3), 3u);
  EXPECT_EQ(findNestingBeyond(nested("module {", "}", 513), 512), 512u * 8 + 7);
}

TEST(BoundedNesting, SkipsStringsCommentsAndArrows) {
  // Brackets in strings and comments, and the '>' of '->', do not count.
  EXPECT_EQ(findNestingBeyond(R"(a = "((((\"((((" )", 1), std::nullopt);
  EXPECT_EQ(findNestingBeyond("// ((((((\n()", 1), std::nullopt);
  // `(x) -> (y)`: the arrow's '>' closes nothing, so `<(` is 2 deep.
  EXPECT_EQ(findNestingBeyond("<(x) -> (y)>", 1), 1u);
  EXPECT_EQ(findNestingBeyond("a->b (c)", 1), std::nullopt);
}

TEST(BoundedNesting, NamesTheFileLineAndColumn) {
  llvm::Error e = checkNesting("deep.mlir", "module {\n  x = [[[\n", 3);
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "deep.mlir:2:9: brackets nest deeper than 3 levels; refused "
            "rather than overflow the parser's stack");
  EXPECT_FALSE(bool(checkNesting("ok.mlir", "module { }", 3)));
}

TEST(BoundedNesting, DeepJsonIsAnErrorNotACrash) {
  auto value = parseJsonBounded(nested("[", "]", 100000));
  ASSERT_FALSE(bool(value));
  EXPECT_EQ(llvm::toString(value.takeError()),
            "JSON nested deeper than 64 levels");
  EXPECT_TRUE(bool(parseJsonBounded(nested("[", "]", 64))));
}

} // namespace
