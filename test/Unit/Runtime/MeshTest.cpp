//===- MeshTest.cpp - tests of mesh coordinates and input blocks ----------===//

#include "dsc/Runtime/Mesh.h"

#include "gtest/gtest.h"

#include <cstring>
#include <string>
#include <vector>

using namespace dsc::rt;

namespace {

using Shape = std::vector<int64_t>;

/// A plan whose one tensor is the input "x" of `dtype` with local shape
/// `shape`, split by `shardAxes` over `mesh` and padded to `dataShape`.
Plan inputPlan(std::vector<std::pair<std::string, int64_t>> mesh, DType dtype,
               Shape shape, std::vector<int32_t> shardAxes,
               Shape dataShape = {}) {
  Plan plan;
  plan.mesh = std::move(mesh);
  TensorDesc x;
  x.name = "x";
  x.dtype = dtype;
  x.shape = std::move(shape);
  x.storage = Storage::Input;
  x.shardAxes = std::move(shardAxes);
  x.dataShape = std::move(dataShape);
  plan.tensors = {x};
  return plan;
}

/// Returns 0, 1, 2, ... as the bytes of `count` elements of T.
template <typename T> std::vector<uint8_t> iota(int64_t count) {
  std::vector<uint8_t> bytes(count * sizeof(T));
  for (int64_t i = 0; i < count; ++i) {
    T value = static_cast<T>(i);
    std::memcpy(bytes.data() + i * sizeof(T), &value, sizeof(T));
  }
  return bytes;
}

template <typename T> std::vector<T> valuesOf(const std::vector<uint8_t> &b) {
  std::vector<T> values(b.size() / sizeof(T));
  std::memcpy(values.data(), b.data(), b.size());
  return values;
}

/// Returns rank `rank`'s block of the data 0, 1, 2, ... of plan tensor 0's
/// data shape, as values of T.
template <typename T> std::vector<T> blockOf(const Plan &plan, int rank) {
  const TensorDesc &desc = plan.tensors[0];
  int64_t count = 1;
  for (int64_t size : dataShape(plan, desc))
    count *= size;
  std::vector<uint8_t> global = iota<T>(count);
  // Poison the block so that every byte must be written.
  std::vector<uint8_t> local(desc.numBytes(), 0xab);
  copyLocalBlock(plan, desc, meshCoordinates(plan, rank), global, local);
  return valuesOf<T>(local);
}

TEST(MeshTest, CoordinatesAreRowMajor) {
  Plan plan = inputPlan({{"dp", 2}, {"sp", 3}}, DType::I64, {1}, {});
  EXPECT_EQ(meshRanks(plan), 6);
  EXPECT_EQ(meshCoordinates(plan, 0), (Shape{0, 0}));
  EXPECT_EQ(meshCoordinates(plan, 4), (Shape{1, 1}));
  EXPECT_EQ(meshCoordinates(plan, 5), (Shape{1, 2}));
  EXPECT_EQ(describeMesh(plan), "dp=2, sp=3");
}

TEST(MeshTest, DataShapeIsTheGlobalShapeUnlessPadded) {
  Plan plan = inputPlan({{"dp", 2}, {"sp", 2}}, DType::I64, {2, 3}, {0, 1});
  EXPECT_EQ(globalShape(plan, plan.tensors[0]), (Shape{4, 6}));
  EXPECT_EQ(dataShape(plan, plan.tensors[0]), (Shape{4, 6}));
  plan.tensors[0].dataShape = {4, 5};
  EXPECT_EQ(globalShape(plan, plan.tensors[0]), (Shape{4, 6}));
  EXPECT_EQ(dataShape(plan, plan.tensors[0]), (Shape{4, 5}));
}

TEST(MeshTest, CopiesBlocksOfUnpaddedData) {
  // Global [4, 6] on dp = 2, sp = 2: rank (d, s) holds rows [2d, 2d+2) and
  // columns [3s, 3s+3).
  Plan plan = inputPlan({{"dp", 2}, {"sp", 2}}, DType::I64, {2, 3}, {0, 1});
  EXPECT_EQ(blockOf<int64_t>(plan, 0),
            (std::vector<int64_t>{0, 1, 2, 6, 7, 8}));
  EXPECT_EQ(blockOf<int64_t>(plan, 1),
            (std::vector<int64_t>{3, 4, 5, 9, 10, 11}));
  EXPECT_EQ(blockOf<int64_t>(plan, 3),
            (std::vector<int64_t>{15, 16, 17, 21, 22, 23}));
  // A 0-d input and an unsplit one are copied whole.
  Plan scalar = inputPlan({{"dp", 2}}, DType::F32, {}, {});
  EXPECT_EQ(blockOf<float>(scalar, 1), (std::vector<float>{0}));
  Plan whole = inputPlan({{"dp", 2}}, DType::I32, {2, 2}, {});
  EXPECT_EQ(blockOf<int32_t>(whole, 1), (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(MeshTest, PadsASplitInnermostDimension) {
  // Data [2, 5] padded to [2, 6] over sp = 2: rank 0 gets columns 0 to 2,
  // rank 1 columns 3 and 4 and a zero column.
  Plan plan = inputPlan({{"sp", 2}}, DType::I64, {2, 3}, {-1, 0}, {2, 5});
  EXPECT_EQ(blockOf<int64_t>(plan, 0),
            (std::vector<int64_t>{0, 1, 2, 5, 6, 7}));
  EXPECT_EQ(blockOf<int64_t>(plan, 1),
            (std::vector<int64_t>{3, 4, 0, 8, 9, 0}));
}

TEST(MeshTest, PadsASplitOuterDimension) {
  // Data [3, 2] padded to [4, 2] over dp = 2: rank 1 gets row 2 and a zero
  // row.
  Plan plan = inputPlan({{"dp", 2}}, DType::I32, {2, 2}, {0, -1}, {3, 2});
  EXPECT_EQ(blockOf<int32_t>(plan, 0), (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(blockOf<int32_t>(plan, 1), (std::vector<int32_t>{4, 5, 0, 0}));
}

TEST(MeshTest, PadsTwoSplitDimensions) {
  // Data [3, 5] padded to [4, 6] over dp = 2, sp = 2.
  Plan plan =
      inputPlan({{"dp", 2}, {"sp", 2}}, DType::I64, {2, 3}, {0, 1}, {3, 5});
  EXPECT_EQ(blockOf<int64_t>(plan, 0),
            (std::vector<int64_t>{0, 1, 2, 5, 6, 7}));
  EXPECT_EQ(blockOf<int64_t>(plan, 1),
            (std::vector<int64_t>{3, 4, 0, 8, 9, 0}));
  EXPECT_EQ(blockOf<int64_t>(plan, 2),
            (std::vector<int64_t>{10, 11, 12, 0, 0, 0}));
  EXPECT_EQ(blockOf<int64_t>(plan, 3),
            (std::vector<int64_t>{13, 14, 0, 0, 0, 0}));
}

TEST(MeshTest, PadsAMiddleDimensionOfNarrowElements) {
  // Data [2, 5, 3] of bytes padded to [2, 6, 3] over sp = 2, the split
  // dimension in the middle: rank 1 holds (b, 3..5, :), where s = 5 is
  // padding.
  Plan plan =
      inputPlan({{"sp", 2}}, DType::U8, {2, 3, 3}, {-1, 0, -1}, {2, 5, 3});
  std::vector<uint8_t> expected;
  for (int b = 0; b < 2; ++b)
    for (int s = 3; s < 6; ++s)
      for (int c = 0; c < 3; ++c)
        expected.push_back(s < 5 ? (b * 5 + s) * 3 + c : 0);
  EXPECT_EQ(blockOf<uint8_t>(plan, 1), expected);
}

TEST(MeshTest, BlocksWhollyInThePaddingAreZero) {
  // A sequence of 1 over sp = 4 pads to 4: ranks 1 to 3 hold only padding.
  Plan plan = inputPlan({{"sp", 4}}, DType::I64, {2, 1}, {-1, 0}, {2, 1});
  EXPECT_EQ(blockOf<int64_t>(plan, 0), (std::vector<int64_t>{0, 1}));
  for (int rank = 1; rank < 4; ++rank)
    EXPECT_EQ(blockOf<int64_t>(plan, rank), (std::vector<int64_t>{0, 0}))
        << rank;
  // No data at all.
  plan.tensors[0].dataShape = {2, 0};
  EXPECT_EQ(blockOf<int64_t>(plan, 0), (std::vector<int64_t>{0, 0}));
}

} // namespace
