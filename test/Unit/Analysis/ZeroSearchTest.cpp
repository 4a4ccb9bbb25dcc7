//===- ZeroSearchTest.cpp - ZeRO stage 3's choices within a budget --------===//
//
// The choices against a synthetic memory model (what a compile would
// report): bytes grow with the prefetch distance, with each parameter kept
// whole and with the packing copies of coalesced gradients and gathers.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/ZeroSearch.h"

#include "gtest/gtest.h"

#include <set>
#include <tuple>

namespace {

struct Model {
  uint64_t base = 1000, perPrefetch = 100, perKept = 10, packing = 0,
           gradientPacking = 0;
  std::set<std::tuple<int64_t, int64_t, bool, bool>> compiled;

  llvm::Expected<uint64_t> operator()(int64_t prefetch, int64_t keep,
                                      dsc::Coalescing coalesce) {
    compiled.insert({prefetch, keep, coalesce.gradients, coalesce.gathers});
    return base + perPrefetch * prefetch + perKept * keep +
           (coalesce.gathers ? packing : 0) +
           (coalesce.gradients ? gradientPacking : 0);
  }
};

dsc::Zero3Choice choose(Model &model, uint64_t budget, int64_t parameters) {
  llvm::Expected<dsc::Zero3Choice> choice = dsc::chooseZero3(
      budget, 4, parameters,
      [&](int64_t p, int64_t k, dsc::Coalescing c) { return model(p, k, c); });
  EXPECT_TRUE(static_cast<bool>(choice));
  return choice ? *choice : dsc::Zero3Choice{};
}

TEST(ZeroSearchTest, AmpleBudgetTakesEverything) {
  Model model;
  dsc::Zero3Choice choice = choose(model, 1 << 20, 28);
  EXPECT_TRUE(choice.coalesce.gradients);
  EXPECT_TRUE(choice.coalesce.gathers);
  EXPECT_EQ(choice.prefetch, 4);
  EXPECT_EQ(choice.keepWhole, 28);
  // One compile to check coalescing, one for the prefetch, one to keep all.
  EXPECT_EQ(choice.candidates, 3u);
}

TEST(ZeroSearchTest, LongestPrefetchThenMostKeptThatFit) {
  Model model;
  // 1000 + 100 * 2 + 10 * 7 = 1270 fits; prefetch 3 (1300) does not.
  dsc::Zero3Choice choice = choose(model, 1275, 28);
  EXPECT_TRUE(choice.coalesce.gradients);
  EXPECT_TRUE(choice.coalesce.gathers);
  EXPECT_EQ(choice.prefetch, 2);
  EXPECT_EQ(choice.keepWhole, 7);
  EXPECT_LT(choice.candidates, 2u + 3u + 6u);
}

TEST(ZeroSearchTest, GradientsOneByOneWhenTheirBucketsBreakTheBudget) {
  Model model;
  model.gradientPacking = 500;
  model.packing = 30;
  // Everything packed at prefetch 1 takes 1630; gradients one by one 1130.
  dsc::Zero3Choice choice = choose(model, 1250, 28);
  EXPECT_FALSE(choice.coalesce.gradients);
  EXPECT_TRUE(choice.coalesce.gathers);
  EXPECT_EQ(choice.prefetch, 2);
  EXPECT_EQ(choice.keepWhole, 2);
}

TEST(ZeroSearchTest, SequentialWhenPackingBreaksTheBudget) {
  Model model;
  model.packing = 500;
  model.gradientPacking = 20;
  // Coalesced at prefetch 1 takes 1620, gradients one by one 1600;
  // sequential 1100 fits.
  dsc::Zero3Choice choice = choose(model, 1250, 28);
  EXPECT_FALSE(choice.coalesce.gradients);
  EXPECT_FALSE(choice.coalesce.gathers);
  EXPECT_EQ(choice.prefetch, 2);
  EXPECT_EQ(choice.keepWhole, 5);
  // Every later candidate was compiled sequential.
  for (auto [prefetch, keep, gradients, gathers] : model.compiled)
    EXPECT_TRUE((!gradients && !gathers) || (prefetch == 1 && keep == 0));
}

TEST(ZeroSearchTest, PrefetchZeroBeforeGivingUpCoalescing) {
  Model model;
  model.packing = 150;
  // At prefetch 1 even sequential gathers (1100) break 1080; at prefetch 0
  // packed gathers (1150) do too, and sequential ones (1000) fit.
  dsc::Zero3Choice choice = choose(model, 1080, 28);
  EXPECT_EQ(choice.prefetch, 0);
  EXPECT_FALSE(choice.coalesce.gathers);
  EXPECT_EQ(choice.keepWhole, 8);
}

TEST(ZeroSearchTest, FewestCopiesWhenNothingFits) {
  Model model;
  model.packing = 500;
  // Nothing fits: sequential with prefetch 0 and none kept, the least the
  // step can take, which the final compile reports against the budget.
  dsc::Zero3Choice choice = choose(model, 900, 28);
  EXPECT_FALSE(choice.coalesce.gradients);
  EXPECT_FALSE(choice.coalesce.gathers);
  EXPECT_EQ(choice.prefetch, 0);
  EXPECT_EQ(choice.keepWhole, 0);
  EXPECT_EQ(choice.candidates, 6u);
}

TEST(ZeroSearchTest, LargestFittingSearchesBinary) {
  unsigned calls = 0;
  llvm::Expected<dsc::Fit> fit = dsc::largestFitting(
      1000, 637, [&](int64_t v) -> llvm::Expected<uint64_t> {
        ++calls;
        return static_cast<uint64_t>(v);
      });
  ASSERT_TRUE(static_cast<bool>(fit));
  EXPECT_EQ(fit->value, 637);
  EXPECT_EQ(fit->plannedBytes, 637u);
  EXPECT_EQ(fit->candidates, calls);
  EXPECT_LE(calls, 12u);
}

TEST(ZeroSearchTest, CompileErrorsPropagate) {
  llvm::Expected<dsc::Zero3Choice> choice = dsc::chooseZero3(
      1 << 20, 4, 3,
      [](int64_t, int64_t keep, dsc::Coalescing) -> llvm::Expected<uint64_t> {
        if (keep > 0)
          return llvm::createStringError("cannot compile");
        return 1;
      });
  ASSERT_FALSE(static_cast<bool>(choice));
  EXPECT_EQ(llvm::toString(choice.takeError()), "cannot compile");
}

} // namespace
