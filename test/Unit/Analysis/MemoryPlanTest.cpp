//===- MemoryPlanTest.cpp - static arena assignment -----------------------===//

#include "dsc/Analysis/MemoryPlan.h"

#include <gtest/gtest.h>

#include <random>

using namespace dsc;

namespace {

/// Checks that no two buffers live at one instruction share a byte.
void expectNoConflicts(const std::vector<BufferLifetime> &buffers,
                       const MemoryPlan &plan, uint64_t alignment) {
  ASSERT_EQ(plan.offsets.size(), buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % alignment, 0u);
    EXPECT_LE(plan.offsets[i] + buffers[i].bytes, plan.peakBytes);
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      bool liveTogether = !(buffers[i].lastUse < buffers[j].firstUse ||
                            buffers[j].lastUse < buffers[i].firstUse);
      bool overlap = plan.offsets[i] < plan.offsets[j] + buffers[j].bytes &&
                     plan.offsets[j] < plan.offsets[i] + buffers[i].bytes;
      EXPECT_FALSE(liveTogether && overlap) << "buffers " << i << " and " << j;
    }
  }
}

TEST(MemoryPlan, DisjointLifetimesShareBytes) {
  std::vector<BufferLifetime> buffers = {{100, 0, 1}, {100, 2, 3}, {100, 4, 5}};
  MemoryPlan plan = planMemory(buffers, 64);
  EXPECT_EQ(plan.peakBytes, 128u);
  EXPECT_EQ(plan.offsets, std::vector<uint64_t>({0, 0, 0}));
}

TEST(MemoryPlan, OperandAndResultOfOneInstructionNeverShare) {
  // The first buffer is read by instruction 1, which writes the second.
  std::vector<BufferLifetime> buffers = {{64, 0, 1}, {64, 1, 2}};
  MemoryPlan plan = planMemory(buffers, 64);
  EXPECT_EQ(plan.peakBytes, 128u);
  expectNoConflicts(buffers, plan, 64);
}

TEST(MemoryPlan, ReachesTheLowerBoundOnANestedPattern) {
  // A large long-lived buffer and small ones that come and go around it.
  std::vector<BufferLifetime> buffers = {
      {1024, 0, 10}, {256, 1, 2}, {256, 3, 4}, {512, 5, 6}, {256, 7, 8}};
  MemoryPlan plan = planMemory(buffers, 64);
  expectNoConflicts(buffers, plan, 64);
  EXPECT_EQ(plan.peakBytes, liveBytesLowerBound(buffers, 64));
}

TEST(MemoryPlan, RandomLifetimesAreConflictFreeAndNearTheBound) {
  std::mt19937 random(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<BufferLifetime> buffers;
    for (int i = 0; i < 60; ++i) {
      int64_t first = random() % 100;
      buffers.push_back({1 + random() % 5000, first,
                         first + static_cast<int64_t>(random() % 20)});
    }
    MemoryPlan plan = planMemory(buffers, 64);
    expectNoConflicts(buffers, plan, 64);
    uint64_t bound = liveBytesLowerBound(buffers, 64);
    EXPECT_GE(plan.peakBytes, bound);
    // Greedy best-fit is not optimal, but far from 2x on such inputs.
    EXPECT_LE(plan.peakBytes, bound * 3 / 2) << "round " << round;
  }
}

} // namespace
