//===- CollectiveTest.cpp - collective kernels through the executor -------===//
//
// Every rank is a thread with its own World (loopback TCP) and its own
// Executor for the same hand-built plan, as in a multi-process run. Each
// rank's input holds 1000 * rank + flat index, so that every expected value
// can be computed by index arithmetic from the op's definition
// (DSCollectiveOps.td) and tells where it came from.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Comm.h"
#include "dsc/Runtime/Executor.h"
#include "dsc/Runtime/Mesh.h"
#include "dsc/Runtime/SafeTensors.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <functional>
#include <future>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace dsc::rt;
using namespace std::chrono_literals;
using llvm::ArrayRef;
using llvm::StringRef;

namespace {

using Shape = std::vector<int64_t>;
using Mesh = std::vector<std::pair<std::string, int64_t>>;
using Attrs = std::map<std::string, AttrValue>;

std::string message(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

/// Returns a loopback port that was free a moment ago.
int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
  socklen_t size = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &size);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Runs `body` on `size` ranks, one thread and one World each.
void runRanks(int size, const std::function<void(World &)> &body,
              std::chrono::milliseconds timeout = 20s) {
  int port = freePort();
  std::vector<std::thread> threads;
  for (int rank = 0; rank < size; ++rank)
    threads.emplace_back([&, rank] {
      WorldOptions options;
      options.rank = rank;
      options.worldSize = size;
      options.masterPort = port;
      options.timeout = timeout;
      auto world = connectWorld(options);
      ASSERT_TRUE(static_cast<bool>(world))
          << "rank " << rank << ": " << llvm::toString(world.takeError());
      body(**world);
    });
  for (std::thread &thread : threads)
    thread.join();
}

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Shape unravel(int64_t flat, const Shape &shape) {
  Shape index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return index;
}

int64_t ravel(const Shape &index, const Shape &shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + index[d];
  return flat;
}

/// The input of `rank`: 1000 * rank + flat index.
float inputValue(int rank, int64_t flat) { return 1000.0f * rank + flat; }

std::vector<float> inputOf(int rank, const Shape &shape) {
  std::vector<float> values(numElements(shape));
  for (int64_t i = 0; i < numElements(shape); ++i)
    values[i] = inputValue(rank, i);
  return values;
}

template <typename T> ArrayRef<uint8_t> bytesOf(const std::vector<T> &values) {
  return {reinterpret_cast<const uint8_t *>(values.data()),
          values.size() * sizeof(T)};
}

template <typename T> std::vector<T> valuesOf(ArrayRef<uint8_t> bytes) {
  std::vector<T> values(bytes.size() / sizeof(T));
  std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

/// A plan of one collective: input "x" -> arena result, a constant loss.
Plan collectivePlan(const Mesh &mesh, std::string kernel, Shape inputShape,
                    Shape resultShape, Attrs attrs, DType dtype = DType::F32) {
  Plan plan;
  plan.mesh = mesh;
  TensorDesc x;
  x.name = "x";
  x.dtype = dtype;
  x.shape = std::move(inputShape);
  x.storage = Storage::Input;
  TensorDesc result;
  result.dtype = dtype;
  result.shape = std::move(resultShape);
  result.storage = Storage::Arena;
  TensorDesc loss;
  loss.dtype = DType::F32;
  loss.storage = Storage::Constant;
  plan.arenaBytes = (result.numBytes() + 63) / 64 * 64;
  plan.tensors = {x, result, loss};
  plan.constants.assign(4, 0);
  plan.loss = 2;
  Instruction inst;
  inst.kernel = std::move(kernel);
  inst.operands = {0};
  inst.results = {1};
  inst.attrs = std::move(attrs);
  inst.attrs["mesh"] = std::string("mesh");
  plan.instructions.push_back(std::move(inst));
  return plan;
}

/// Runs the one-collective `plan` on every rank of its mesh with the input
/// inputOf(rank) and calls `check(rank, result)`.
void runPlan(
    const Plan &plan,
    const std::function<void(int, const std::vector<float> &)> &check) {
  setNumThreads(1);
  runRanks(static_cast<int>(meshRanks(plan)), [&](World &world) {
    auto executor = Executor::create(plan, &world);
    ASSERT_TRUE(static_cast<bool>(executor))
        << llvm::toString(executor.takeError());
    Executor &exec = **executor;
    ASSERT_EQ(message(exec.setInput(
                  "x", bytesOf(inputOf(world.rank(), plan.tensors[0].shape)))),
              "");
    // Twice: the communicators are reused from step to step.
    for (int step = 0; step < 2; ++step) {
      ASSERT_EQ(message(exec.step()), "");
      check(world.rank(), valuesOf<float>(exec.tensorData(1)));
    }
  });
}

/// The group of `rank` for `axes` of `mesh`, as the executor forms it.
std::vector<int> groupOf(const Mesh &mesh, std::vector<int> axes, int rank) {
  Shape shape;
  for (const auto &axis : mesh)
    shape.push_back(axis.second);
  return meshGroup(shape, axes, rank);
}

Attrs axesAttr(std::string axes, Attrs more = {}) {
  more["axes"] = std::move(axes);
  return more;
}

//===----------------------------------------------------------------------===//
// all_reduce
//===----------------------------------------------------------------------===//

class RanksTest : public ::testing::TestWithParam<int> {};

TEST_P(RanksTest, AllReduce) {
  int n = GetParam();
  Shape shape = {3, 5};
  for (const char *reduction : {"sum", "mean", "max"}) {
    SCOPED_TRACE(reduction);
    Plan plan = collectivePlan({{"dp", n}}, "all_reduce", shape, shape,
                               axesAttr("dp", {{"reduction", reduction}}));
    runPlan(plan, [&](int rank, const std::vector<float> &result) {
      for (int64_t i = 0; i < numElements(shape); ++i) {
        float sum = 0, max = inputValue(0, i);
        for (int r = 0; r < n; ++r) {
          sum += inputValue(r, i);
          max = std::max(max, inputValue(r, i));
        }
        float expected = StringRef(reduction) == "sum"    ? sum
                         : StringRef(reduction) == "mean" ? sum / n
                                                          : max;
        EXPECT_FLOAT_EQ(result[i], expected) << "rank " << rank << " " << i;
      }
    });
  }
}

TEST_P(RanksTest, AllReduceInPlaceI64) {
  int n = GetParam();
  // The result is the input's memory: a plan may reduce a tensor in place.
  Plan plan;
  plan.mesh = {{"dp", n}};
  TensorDesc x;
  x.dtype = DType::I64;
  x.shape = {4};
  // State: defined before the step (an arena tensor must be written first).
  x.name = "x";
  x.storage = Storage::State;
  TensorDesc loss;
  loss.storage = Storage::Constant;
  plan.tensors = {x, loss};
  plan.arenaBytes = 64;
  plan.constants.assign(4, 0);
  plan.loss = 1;
  Instruction inst;
  inst.kernel = "all_reduce";
  inst.operands = {0};
  inst.results = {0};
  inst.attrs = {{"mesh", std::string("mesh")},
                {"axes", std::string("dp")},
                {"reduction", std::string("sum")}};
  plan.instructions = {inst};
  setNumThreads(1);
  runRanks(n, [&](World &world) {
    auto executor = Executor::create(plan, &world);
    ASSERT_TRUE(static_cast<bool>(executor))
        << llvm::toString(executor.takeError());
    std::vector<int64_t> values = {world.rank(), 1, int64_t(1) << 40, -7};
    std::memcpy((*executor)->tensorData(0).data(), values.data(), 32);
    ASSERT_EQ(message((*executor)->step()), "");
    auto result = valuesOf<int64_t>((*executor)->tensorData(0));
    EXPECT_EQ(result, (std::vector<int64_t>{n * (n - 1) / 2, n,
                                            n * (int64_t(1) << 40), -7 * n}));
  });
}

//===----------------------------------------------------------------------===//
// all_gather, reduce_scatter, all_to_all
//===----------------------------------------------------------------------===//

/// all_gather along `dim` (as the attribute gives it; may be negative).
void expectAllGather(int n, Shape input, int64_t dimAttr) {
  SCOPED_TRACE(testing::Message() << "dim " << dimAttr);
  int64_t dim = dimAttr < 0 ? dimAttr + input.size() : dimAttr;
  Shape result = input;
  result[dim] *= n;
  Plan plan = collectivePlan({{"dp", n}}, "all_gather", input, result,
                             axesAttr("dp", {{"dim", dimAttr}}));
  runPlan(plan, [&](int rank, const std::vector<float> &values) {
    for (int64_t i = 0; i < numElements(result); ++i) {
      Shape index = unravel(i, result);
      int source = static_cast<int>(index[dim] / input[dim]);
      index[dim] %= input[dim];
      ASSERT_EQ(values[i], inputValue(source, ravel(index, input)))
          << "rank " << rank << " element " << i;
    }
  });
}

TEST_P(RanksTest, AllGather) {
  int n = GetParam();
  expectAllGather(n, {2, 3, 4}, 0);
  expectAllGather(n, {2, 3, 4}, 1);
  expectAllGather(n, {2, 3, 4}, -1);
}

void expectReduceScatter(int n, Shape input, int64_t dim) {
  SCOPED_TRACE(testing::Message() << "dim " << dim);
  Shape result = input;
  result[dim] /= n;
  Plan plan = collectivePlan(
      {{"dp", n}}, "reduce_scatter", input, result,
      axesAttr("dp", {{"dim", dim}, {"reduction", std::string("sum")}}));
  runPlan(plan, [&](int rank, const std::vector<float> &values) {
    for (int64_t i = 0; i < numElements(result); ++i) {
      Shape index = unravel(i, result);
      index[dim] += rank * result[dim];
      float sum = 0;
      for (int r = 0; r < n; ++r)
        sum += inputValue(r, ravel(index, input));
      ASSERT_EQ(values[i], sum) << "rank " << rank << " element " << i;
    }
  });
}

TEST_P(RanksTest, ReduceScatter) {
  int n = GetParam();
  expectReduceScatter(n, {n * 2, 3, 2}, 0);
  expectReduceScatter(n, {2, 3, n * 2}, 2);
}

void expectAllToAll(int n, Shape input, int64_t split, int64_t concat) {
  SCOPED_TRACE(testing::Message() << "split " << split << " concat " << concat);
  Shape piece = input;
  piece[split] /= n;
  Shape result = piece;
  result[concat] *= n;
  Plan plan = collectivePlan(
      {{"sp", n}}, "all_to_all", input, result,
      axesAttr("sp", {{"split_dim", split}, {"concat_dim", concat}}));
  runPlan(plan, [&](int rank, const std::vector<float> &values) {
    for (int64_t i = 0; i < numElements(result); ++i) {
      // Along `concat`, block j came from group rank j: its piece `rank`
      // along `split`.
      Shape index = unravel(i, result);
      int source = static_cast<int>(index[concat] / piece[concat]);
      index[concat] %= piece[concat];
      index[split] += rank * piece[split];
      ASSERT_EQ(values[i], inputValue(source, ravel(index, input)))
          << "rank " << rank << " element " << i;
    }
  });
}

TEST_P(RanksTest, AllToAll) {
  int n = GetParam();
  // Ulysses: [B, S/n, H, D] sequence-split -> [B, S, H/n, D] head-split.
  expectAllToAll(n, {2, 3, n * 2, 2}, 2, 1);
  expectAllToAll(n, {2, n * 3, 2, 2}, 1, 2);
  expectAllToAll(n, {n * 2, 3}, 0, 1);
  expectAllToAll(n, {3, n * 2}, 1, 1);
}

/// all_to_all with real sizes: of the piece rank i sends to rank j, only
/// the first realSize(i, j) entries along `realDim` arrive; the rest of it
/// is zero.
void expectUnequalAllToAll(int n, Shape input, int64_t split, int64_t concat,
                           int64_t realDim,
                           const std::function<int64_t(int, int)> &realSize) {
  SCOPED_TRACE(testing::Message() << "split " << split << " concat " << concat
                                  << " real_dim " << realDim);
  Shape piece = input;
  piece[split] /= n;
  Shape result = piece;
  result[concat] *= n;
  std::vector<int64_t> sizes;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      sizes.push_back(realSize(i, j));
  Plan plan = collectivePlan({{"sp", n}}, "all_to_all", input, result,
                             axesAttr("sp", {{"split_dim", split},
                                             {"concat_dim", concat},
                                             {"real_dim", realDim},
                                             {"real_sizes", sizes}}));
  runPlan(plan, [&](int rank, const std::vector<float> &values) {
    for (int64_t i = 0; i < numElements(result); ++i) {
      Shape index = unravel(i, result);
      int source = static_cast<int>(index[concat] / piece[concat]);
      index[concat] %= piece[concat];
      bool real = index[realDim] < realSize(source, rank);
      index[split] += rank * piece[split];
      float expected = real ? inputValue(source, ravel(index, input)) : 0.0f;
      ASSERT_EQ(values[i], expected) << "rank " << rank << " element " << i;
    }
  });
}

TEST_P(RanksTest, UnequalAllToAll) {
  int n = GetParam();
  // Heads padded at the end, going to head-split: receiver j gets
  // min(3, max(0, R - 3j)) real heads of its 3, whoever sends.
  int64_t realHeads = 3 * n - 2;
  auto toReceiver = [&](int, int j) {
    return std::clamp<int64_t>(realHeads - 3 * j, 0, 3);
  };
  expectUnequalAllToAll(n, {2, n * 3, 2, 2}, 1, 2, 1, toReceiver);
  // Coming back: sender i holds that many real heads of its 3.
  auto fromSender = [&](int i, int) {
    return std::clamp<int64_t>(realHeads - 3 * i, 0, 3);
  };
  expectUnequalAllToAll(n, {2, 3, n * 2, 2}, 2, 1, 1, fromSender);
  // Every pair its own size, along a dimension that is neither split nor
  // concatenated.
  expectUnequalAllToAll(n, {n * 2, 3, 4}, 0, 1, 2,
                        [](int i, int j) { return (i + 2 * j) % 5; });
}

TEST_P(RanksTest, LocalSlice) {
  int n = GetParam();
  Shape input = {2, n * 3}, result = {2, 3};
  Plan plan = collectivePlan({{"sp", n}}, "local_slice", input, result,
                             axesAttr("sp", {{"dim", int64_t(1)}}));
  runPlan(plan, [&](int rank, const std::vector<float> &values) {
    for (int64_t i = 0; i < numElements(result); ++i) {
      Shape index = unravel(i, result);
      index[1] += rank * 3;
      ASSERT_EQ(values[i], inputValue(rank, ravel(index, input)));
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Ranks, RanksTest, ::testing::Values(2, 3, 4),
                         [](const auto &info) {
                           return std::to_string(info.param) + "ranks";
                         });

//===----------------------------------------------------------------------===//
// A 2 x 2 mesh: groups along each axis and both
//===----------------------------------------------------------------------===//

TEST(MeshGroupsTest, AllGatherAlongEachAxis) {
  Mesh mesh = {{"dp", 2}, {"sp", 2}};
  Shape input = {2, 3};
  for (auto [axes, indices] :
       std::vector<std::pair<std::string, std::vector<int>>>{
           {"dp", {0}}, {"sp", {1}}, {"dp,sp", {0, 1}}}) {
    SCOPED_TRACE(axes);
    int n = axes == "dp,sp" ? 4 : 2;
    Shape result = {2 * n, 3};
    Plan plan = collectivePlan(mesh, "all_gather", input, result,
                               axesAttr(axes, {{"dim", int64_t(0)}}));
    runPlan(plan,
            [&, indices = indices](int rank, const std::vector<float> &values) {
              std::vector<int> group = groupOf(mesh, indices, rank);
              ASSERT_EQ(group.size(), static_cast<size_t>(n));
              for (int64_t i = 0; i < numElements(result); ++i)
                ASSERT_EQ(values[i], inputValue(group[i / 6], i % 6))
                    << "rank " << rank << " element " << i;
            });
  }
}

TEST(MeshGroupsTest, AllReduceAndLocalSliceInOnePlan) {
  // Groups over "sp" ({0,1}, {2,3}) and "dp" ({0,2}, {1,3}) in one plan:
  // every rank creates them in plan order.
  Plan plan;
  plan.mesh = {{"dp", 2}, {"sp", 2}};
  auto add = [&](Storage storage, Shape shape, uint64_t offset) {
    TensorDesc desc;
    desc.dtype = DType::F32;
    desc.shape = std::move(shape);
    desc.storage = storage;
    desc.offset = offset;
    if (storage == Storage::Input)
      desc.name = "x";
    plan.tensors.push_back(desc);
    return static_cast<uint32_t>(plan.tensors.size() - 1);
  };
  uint32_t x = add(Storage::Input, {4}, 0);
  uint32_t sumSp = add(Storage::Arena, {4}, 0);
  uint32_t sumDp = add(Storage::Arena, {4}, 64);
  uint32_t slice = add(Storage::Arena, {2}, 128);
  uint32_t loss = add(Storage::Constant, {}, 0);
  plan.arenaBytes = 192;
  plan.constants.assign(4, 0);
  plan.loss = loss;
  auto inst = [&](std::string kernel, uint32_t in, uint32_t out, Attrs attrs) {
    Instruction i;
    i.kernel = std::move(kernel);
    i.operands = {in};
    i.results = {out};
    i.attrs = std::move(attrs);
    plan.instructions.push_back(i);
  };
  inst("all_reduce", x, sumSp,
       {{"axes", std::string("sp")}, {"reduction", std::string("sum")}});
  inst("all_reduce", sumSp, sumDp,
       {{"axes", std::string("dp")}, {"reduction", std::string("max")}});
  inst("local_slice", sumDp, slice,
       {{"axes", std::string("sp")}, {"dim", int64_t(0)}});
  setNumThreads(1);
  runRanks(4, [&](World &world) {
    auto executor = Executor::create(plan, &world);
    ASSERT_TRUE(static_cast<bool>(executor))
        << llvm::toString(executor.takeError());
    Executor &exec = **executor;
    int rank = world.rank();
    EXPECT_EQ(exec.meshCoordinates().vec(), (Shape{rank / 2, rank % 2}));
    ASSERT_EQ(message(exec.setInput("x", bytesOf(inputOf(rank, {4})))), "");
    ASSERT_EQ(message(exec.step()), "");
    // Sum over sp, then the larger of the two dp rows: dp coordinate 1.
    std::vector<float> expected(4);
    for (int i = 0; i < 4; ++i)
      expected[i] = inputValue(2, i) + inputValue(3, i);
    EXPECT_EQ(valuesOf<float>(exec.tensorData(sumDp)), expected);
    std::vector<float> half(expected.begin() + 2 * (rank % 2),
                            expected.begin() + 2 * (rank % 2) + 2);
    EXPECT_EQ(valuesOf<float>(exec.tensorData(slice)), half);
  });
}

//===----------------------------------------------------------------------===//
// Inputs split over the mesh
//===----------------------------------------------------------------------===//

TEST(ShardedInputTest, EachRankLoadsItsBlockOfTheGlobalBatch) {
  // A global [4, 6] batch on dp = 2, sp = 2: rank (d, s) holds rows
  // [2d, 2d+2) and columns [3s, 3s+3); then takes row d of its block.
  Plan plan =
      collectivePlan({{"dp", 2}, {"sp", 2}}, "local_slice", {2, 3}, {1, 3},
                     axesAttr("dp", {{"dim", int64_t(0)}}), DType::I64);
  plan.tensors[0].shardAxes = {0, 1};
  std::vector<int64_t> global(24);
  for (int i = 0; i < 24; ++i)
    global[i] = i;
  llvm::SmallString<128> path;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("collective", "safetensors", path));
  SafeTensorsWriter writer;
  writer.add("x", DType::I64, {4, 6}, bytesOf(global));
  ASSERT_EQ(message(writer.write(path)), "");
  auto file = SafeTensorsFile::open(path);
  ASSERT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());

  // The wrong global shape names the expected one.
  llvm::SmallString<128> wrongPath;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("collective", "safetensors",
                                                  wrongPath));
  SafeTensorsWriter wrongWriter;
  wrongWriter.add("x", DType::I64, {2, 3}, bytesOf(std::vector<int64_t>(6)));
  ASSERT_EQ(message(wrongWriter.write(wrongPath)), "");
  auto wrong = SafeTensorsFile::open(wrongPath);
  ASSERT_TRUE(static_cast<bool>(wrong)) << llvm::toString(wrong.takeError());

  setNumThreads(1);
  runRanks(4, [&](World &world) {
    auto executor = Executor::create(plan, &world);
    ASSERT_TRUE(static_cast<bool>(executor))
        << llvm::toString(executor.takeError());
    std::string error = message((*executor)->loadInputs(*wrong));
    EXPECT_NE(error.find("expected I64 [4, 6]"), std::string::npos) << error;
    EXPECT_NE(error.find("global batch"), std::string::npos) << error;

    ASSERT_EQ(message((*executor)->loadInputs(*file)), "");
    int d = world.rank() / 2, s = world.rank() % 2;
    std::vector<int64_t> expected;
    for (int row = 2 * d; row < 2 * d + 2; ++row)
      for (int col = 3 * s; col < 3 * s + 3; ++col)
        expected.push_back(row * 6 + col);
    EXPECT_EQ(valuesOf<int64_t>((*executor)->tensorData(0)), expected);
    ASSERT_EQ(message((*executor)->step()), "");
    // local_slice over dp, dim 0: row d of the block.
    std::vector<int64_t> row(expected.begin() + 3 * d,
                             expected.begin() + 3 * d + 3);
    EXPECT_EQ(valuesOf<int64_t>((*executor)->tensorData(1)), row);
  });
  llvm::sys::fs::remove(path);
  llvm::sys::fs::remove(wrongPath);
}

TEST(ShardedInputTest, PaddedInputsReadTheDataAndZeroThePadding) {
  // A sequence of 5 padded to 6 over sp = 2: the file holds [2, 5], rank 1
  // holds columns 3 and 4 and a zero column; the gather shows the padded
  // global batch on every rank.
  Plan plan = collectivePlan({{"sp", 2}}, "all_gather", {2, 3}, {2, 6},
                             axesAttr("sp", {{"dim", int64_t(1)}}), DType::I64);
  plan.tensors[0].shardAxes = {-1, 0};
  plan.tensors[0].dataShape = {2, 5};
  ASSERT_EQ(message(validatePlan(plan)), "");
  std::vector<int64_t> data(10);
  for (int i = 0; i < 10; ++i)
    data[i] = i + 1;
  llvm::SmallString<128> path, wrongPath;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("padded", "safetensors", path));
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("padded", "safetensors", wrongPath));
  SafeTensorsWriter writer;
  writer.add("x", DType::I64, {2, 5}, bytesOf(data));
  ASSERT_EQ(message(writer.write(path)), "");
  // The padded global shape is not what the file must hold.
  SafeTensorsWriter wrongWriter;
  wrongWriter.add("x", DType::I64, {2, 6}, bytesOf(std::vector<int64_t>(12)));
  ASSERT_EQ(message(wrongWriter.write(wrongPath)), "");
  auto file = SafeTensorsFile::open(path);
  ASSERT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());
  auto wrong = SafeTensorsFile::open(wrongPath);
  ASSERT_TRUE(static_cast<bool>(wrong)) << llvm::toString(wrong.takeError());

  setNumThreads(1);
  runRanks(2, [&](World &world) {
    auto executor = Executor::create(plan, &world);
    ASSERT_TRUE(static_cast<bool>(executor))
        << llvm::toString(executor.takeError());
    std::string error = message((*executor)->loadInputs(*wrong));
    EXPECT_NE(error.find("expected I64 [2, 5]"), std::string::npos) << error;
    EXPECT_NE(error.find("before padding"), std::string::npos) << error;
    EXPECT_NE(error.find("i64[2,6]"), std::string::npos) << error;

    ASSERT_EQ(message((*executor)->loadInputs(*file)), "");
    std::vector<int64_t> block = world.rank() == 0
                                     ? std::vector<int64_t>{1, 2, 3, 6, 7, 8}
                                     : std::vector<int64_t>{4, 5, 0, 9, 10, 0};
    EXPECT_EQ(valuesOf<int64_t>((*executor)->tensorData(0)), block);
    ASSERT_EQ(message((*executor)->step()), "");
    EXPECT_EQ(valuesOf<int64_t>((*executor)->tensorData(1)),
              (std::vector<int64_t>{1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 0}));
  });
  llvm::sys::fs::remove(path);
  llvm::sys::fs::remove(wrongPath);
}

//===----------------------------------------------------------------------===//
// Load-time checks and failures
//===----------------------------------------------------------------------===//

/// Returns the error of Executor::create for `plan` on every rank of its
/// mesh (the same on all ranks).
std::string createErrorOnRanks(const Plan &plan, int ranks) {
  std::vector<std::string> errors(ranks);
  runRanks(ranks, [&](World &world) {
    errors[world.rank()] = message(Executor::create(plan, &world).takeError());
  });
  for (int r = 1; r < ranks; ++r)
    EXPECT_EQ(errors[r], errors[0]);
  return errors[0];
}

TEST(CollectiveChecksTest, RejectsBadPlansOnEveryRank) {
  Mesh mesh = {{"dp", 2}};
  struct Case {
    const char *label;
    Plan plan;
    const char *expected;
  };
  Attrs gather0 = axesAttr("dp", {{"dim", int64_t(0)}});
  // f32[2,4] -> f32[4,2] over dp = 2 with the given real_dim / real_sizes.
  auto unequalAllToAll = [&](Attrs real) {
    real["split_dim"] = int64_t(1);
    real["concat_dim"] = int64_t(0);
    return collectivePlan(mesh, "all_to_all", {2, 4}, {4, 2},
                          axesAttr("dp", std::move(real)));
  };
  std::vector<Case> cases = {
      {"unknown axis",
       collectivePlan(mesh, "all_gather", {2}, {4},
                      axesAttr("tp", {{"dim", int64_t(0)}})),
       "instruction 0 'all_gather': mesh axes \"tp\": no mesh axis 'tp' (the "
       "plan's mesh: dp=2)"},
      {"repeated axis",
       collectivePlan(mesh, "all_gather", {2}, {4},
                      axesAttr("dp,dp", {{"dim", int64_t(0)}})),
       "axis 'dp' named twice"},
      {"missing axes",
       collectivePlan(mesh, "all_gather", {2}, {4}, {{"dim", int64_t(0)}}),
       "instruction 0 'all_gather': missing attribute 'axes'"},
      {"axes not a string",
       collectivePlan(mesh, "all_gather", {2}, {4},
                      {{"dim", int64_t(0)}, {"axes", int64_t(0)}}),
       "attribute 'axes' must be a string"},
      {"gather result not group size times input",
       collectivePlan(mesh, "all_gather", {2, 3}, {2, 6}, gather0),
       "instruction 0 'all_gather': the result must be f32[4,3], got "
       "f32[2,6]"},
      {"dim out of range",
       collectivePlan(mesh, "all_gather", {2}, {4},
                      axesAttr("dp", {{"dim", int64_t(1)}})),
       "attribute 'dim' 1 is out of range for rank 1"},
      {"reduce_scatter not divisible",
       collectivePlan(mesh, "reduce_scatter", {3}, {1},
                      axesAttr("dp", {{"dim", int64_t(0)},
                                      {"reduction", std::string("sum")}})),
       "the input f32[3]: dimension 0 of size 3 does not split into 2 equal "
       "pieces (the group size)"},
      {"unknown reduction",
       collectivePlan(mesh, "all_reduce", {2}, {2},
                      axesAttr("dp", {{"reduction", std::string("min")}})),
       "attribute 'reduction' must be one of \"sum\", \"mean\", \"max\""},
      {"all_to_all result",
       collectivePlan(mesh, "all_to_all", {2, 4}, {2, 4},
                      axesAttr("dp", {{"split_dim", int64_t(1)},
                                      {"concat_dim", int64_t(0)}})),
       "the result must be f32[4,2], got f32[2,4]"},
      {"real_sizes of the wrong count",
       unequalAllToAll({{"real_dim", int64_t(1)},
                        {"real_sizes", std::vector<int64_t>{1, 1, 1}}}),
       "attribute 'real_sizes' has 3 entries; a group of 2 needs 4"},
      {"real size beyond the piece",
       unequalAllToAll({{"real_dim", int64_t(1)},
                        {"real_sizes", std::vector<int64_t>{2, 3, 0, 1}}}),
       "attribute 'real_sizes' holds 3, outside [0, 2], the pieces' extent "
       "along real_dim"},
      {"real_sizes without real_dim",
       unequalAllToAll({{"real_sizes", std::vector<int64_t>{1, 1, 1, 1}}}),
       "missing attribute 'real_dim'"},
      {"local_slice result",
       collectivePlan(mesh, "local_slice", {4}, {4},
                      axesAttr("dp", {{"dim", int64_t(0)}})),
       "the result must be f32[2], got f32[4]"},
  };
  for (Case &c : cases) {
    SCOPED_TRACE(c.label);
    std::string error = createErrorOnRanks(c.plan, 2);
    EXPECT_NE(error.find(c.expected), std::string::npos) << error;
  }
}

TEST(CollectiveChecksTest, WorldMustMatchTheMesh) {
  Plan plan = collectivePlan({{"dp", 2}, {"sp", 2}}, "all_reduce", {2}, {2},
                             axesAttr("dp", {{"reduction", "sum"}}));
  plan.instructions[0].attrs["reduction"] = std::string("sum");
  std::string error = message(Executor::create(plan).takeError());
  EXPECT_EQ(error, "the plan runs on 4 ranks (mesh: dp=2, sp=2), but the "
                   "executor has no world (one rank)");
  error = createErrorOnRanks(plan, 2);
  EXPECT_EQ(error, "the plan runs on 4 ranks (mesh: dp=2, sp=2), but the "
                   "world has 2 ranks");
}

TEST(CollectiveChecksTest, OneRankNeedsNoWorld) {
  // A mesh of one rank: every collective is a copy (local_slice the whole).
  for (const char *kernel : {"all_reduce", "all_gather", "reduce_scatter",
                             "all_to_all", "local_slice"}) {
    SCOPED_TRACE(kernel);
    Plan plan = collectivePlan({{"dp", 1}}, kernel, {2, 2}, {2, 2},
                               axesAttr("dp", {{"dim", int64_t(1)},
                                               {"split_dim", int64_t(0)},
                                               {"concat_dim", int64_t(1)},
                                               {"reduction", "mean"}}));
    plan.instructions[0].attrs["reduction"] = std::string("mean");
    auto executor = Executor::create(plan);
    ASSERT_TRUE(static_cast<bool>(executor))
        << llvm::toString(executor.takeError());
    std::vector<float> input = {1, 2, 3, 4};
    ASSERT_EQ(message((*executor)->setInput("x", bytesOf(input))), "");
    ASSERT_EQ(message((*executor)->step()), "");
    EXPECT_EQ(valuesOf<float>((*executor)->tensorData(1)), input);
  }
}

TEST(CollectiveFailureTest, LostPeerNamesTheInstructionAndTheRank) {
  Plan plan =
      collectivePlan({{"dp", 2}}, "all_reduce", {4}, {4}, axesAttr("dp"));
  plan.instructions[0].attrs["reduction"] = std::string("sum");
  setNumThreads(1);
  std::promise<void> left;
  std::shared_future<void> hasLeft = left.get_future().share();
  std::string error;
  std::chrono::steady_clock::duration elapsed{};
  runRanks(
      2,
      [&](World &world) {
        auto executor = Executor::create(plan, &world);
        ASSERT_TRUE(static_cast<bool>(executor))
            << llvm::toString(executor.takeError());
        std::vector<float> input(4, 1.0f);
        ASSERT_EQ(message((*executor)->setInput("x", bytesOf(input))), "");
        ASSERT_EQ(message((*executor)->step()), "");
        ASSERT_EQ(message(world.world().barrier()), "");
        if (world.rank() == 1) {
          // Rank 1 leaves; its World is destroyed when the thread's body
          // returns.
          left.set_value();
          return;
        }
        hasLeft.wait();
        std::this_thread::sleep_for(100ms);
        auto start = std::chrono::steady_clock::now();
        error = message((*executor)->step());
        elapsed = std::chrono::steady_clock::now() - start;
      },
      3s);
  EXPECT_NE(error.find("instruction 0 'all_reduce': allReduce failed"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("rank 1"), std::string::npos) << error;
  EXPECT_LT(elapsed, 5s) << error;
}

} // namespace
