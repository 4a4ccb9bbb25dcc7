//===- FactorPropagationTest.cpp - the shared propagation driver ----------===//
//
// FactorAtoms with a client of its own (an atom marked or not, a marked
// atom never cut), as sharding and padding are clients.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/FactorPropagation.h"

#include <gtest/gtest.h>

using namespace dsc;
using mlir::ds::ShardingRule;

namespace {

struct Mark {
  int64_t size = 1;
  bool marked = false;
  bool operator==(const Mark &o) const {
    return size == o.size && marked == o.marked;
  }
};
using Dim = llvm::SmallVector<Mark, 2>;

struct MarkAtoms {
  using Atom = Mark;
  int64_t sizeOf(const Mark &a) const { return a.size; }
  Mark whole(int64_t size) const { return {size, false}; }
  bool isMarked(const Mark &a) const { return a.marked; }
  /// Unmarked atoms cut anywhere, marked ones only whole.
  std::optional<Dim> cut(const Dim &dim, llvm::ArrayRef<int64_t> sizes) const {
    Dim out;
    size_t next = 0;
    for (const Mark &a : dim) {
      int64_t covered = 1;
      size_t first = next;
      while (covered < a.size && next < sizes.size())
        covered *= sizes[next++];
      if (covered != a.size || (a.marked && next - first != 1))
        return std::nullopt;
      for (size_t i = first; i < next; ++i)
        out.push_back({sizes[i], a.marked});
    }
    return out;
  }
  mlir::FailureOr<Dim> merge(const Dim &current, const Dim &incoming) const {
    bool in = llvm::any_of(incoming, [](const Mark &a) { return a.marked; });
    bool cur = llvm::any_of(current, [](const Mark &a) { return a.marked; });
    if (!in)
      return current;
    if (cur && current != incoming)
      return mlir::failure();
    return incoming;
  }
};

/// `[i*j, k] x [k] -> [i, j]`-like rule: operand 0 has dims {i, j} and {k},
/// operand 1 has {k}; the result has {i}, {j}.
ShardingRule rule(int64_t i, int64_t j, int64_t k) {
  ShardingRule r;
  r.addFactor(i);
  r.addFactor(j);
  r.addFactor(k, mlir::ds::FactorKind::ReductionSum);
  r.operandDims = {{{0, 1}, {2}}, {{2}}};
  r.resultDims = {{{0}, {1}}};
  return r;
}

TEST(FactorAtoms, StartsWhole) {
  ShardingRule r = rule(2, 3, 4);
  FactorAtoms<MarkAtoms> factors(r, MarkAtoms{});
  for (int64_t f = 0; f < 3; ++f) {
    EXPECT_FALSE(factors.isMarked(f));
    EXPECT_EQ(factors[f], Dim({{r.factorSizes[f], false}}));
  }
}

TEST(FactorAtoms, DistributesADimensionOverItsFactors) {
  ShardingRule r = rule(2, 3, 4);
  FactorAtoms<MarkAtoms> factors(r, MarkAtoms{});
  auto pieces = factors.distribute({{2, true}, {3, false}}, {0, 1});
  ASSERT_TRUE(pieces);
  EXPECT_EQ((*pieces)[0], Dim({{2, true}}));
  EXPECT_EQ((*pieces)[1], Dim({{3, false}}));
  // A merged dimension of 6 whole elements is cut at the factors.
  pieces = factors.distribute({{6, false}}, {0, 1});
  ASSERT_TRUE(pieces);
  EXPECT_EQ((*pieces)[0], Dim({{2, false}}));
  EXPECT_EQ((*pieces)[1], Dim({{3, false}}));
  // A marked atom across the factors' boundary cannot be handed out.
  EXPECT_FALSE(factors.distribute({{6, true}}, {0, 1}));
  // Nor a dimension without factors.
  EXPECT_FALSE(factors.distribute({{6, true}}, {}));
}

TEST(FactorAtoms, ReadsMarkedOperandsAndBuildsLayouts) {
  ShardingRule r = rule(2, 3, 4);
  FactorAtoms<MarkAtoms> factors(r, MarkAtoms{});
  llvm::SmallVector<Dim> a = {{{2, true}, {3, false}}, {{4, false}}};
  llvm::SmallVector<Dim> b = {{{4, true}}};
  int mismatches = 0;
  ASSERT_TRUE(mlir::succeeded(factors.read(
      2, [&](unsigned i) -> llvm::ArrayRef<Dim> { return i == 0 ? a : b; },
      [&](unsigned, unsigned, FactorMismatch) {
        ++mismatches;
        return mlir::success();
      })));
  EXPECT_EQ(mismatches, 0);
  EXPECT_TRUE(factors.isMarked(0));
  EXPECT_FALSE(factors.isMarked(1));
  EXPECT_TRUE(factors.isMarked(2));
  auto result = factors.build(r.resultDims[0], {2, 3});
  EXPECT_EQ(result[0], Dim({{2, true}}));
  EXPECT_EQ(result[1], Dim({{3, false}}));
  auto operand = factors.build(r.operandDims[0], {6, 4});
  EXPECT_EQ(operand[0], Dim({{2, true}, {3, false}}));
  EXPECT_EQ(operand[1], Dim({{4, true}}));
  // A dimension without factors is whole.
  llvm::SmallVector<llvm::SmallVector<int64_t, 2>> dims = {{0}, {}};
  EXPECT_EQ(factors.build(dims, {2, 1})[1], Dim({{1, false}}));
}

TEST(FactorAtoms, ReportsMismatchesAndStopsOnFailure) {
  ShardingRule r = rule(2, 3, 4);
  // Operand 1 marks k otherwise than operand 0: a conflict on k.
  llvm::SmallVector<Dim> a = {{{6, false}}, {{4, true}}};
  llvm::SmallVector<Dim> b = {{{2, true}, {2, false}}};
  auto layoutOf = [&](unsigned i) -> llvm::ArrayRef<Dim> {
    return i == 0 ? a : b;
  };
  std::vector<std::tuple<unsigned, unsigned, FactorMismatch>> seen;
  FactorAtoms<MarkAtoms> kept(r, MarkAtoms{});
  ASSERT_TRUE(mlir::succeeded(
      kept.read(2, layoutOf, [&](unsigned i, unsigned d, FactorMismatch why) {
        seen.push_back({i, d, why});
        return mlir::success();
      })));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], std::make_tuple(1u, 0u, FactorMismatch::Conflict));
  // The first operand's word stands.
  EXPECT_EQ(kept[2], Dim({{4, true}}));

  // An unmappable dimension (a marked 6 across i and j), and a client that
  // refuses it: read fails.
  llvm::SmallVector<Dim> c = {{{6, true}}, {{4, false}}};
  FactorAtoms<MarkAtoms> refused(r, MarkAtoms{});
  EXPECT_TRUE(mlir::failed(refused.read(
      1, [&](unsigned) -> llvm::ArrayRef<Dim> { return c; },
      [&](unsigned i, unsigned d, FactorMismatch why) {
        EXPECT_EQ(why, FactorMismatch::Unmappable);
        return mlir::failure();
      })));
}

} // namespace
