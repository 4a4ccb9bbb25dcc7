//===- ExecutorTest.cpp - memory, validation and errors of the executor ---===//
//
// Byte-level tests: plans built in memory, data as float arrays. The
// numerics of each kernel are KernelTest.cpp's business.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Executor.h"
#include "dsc/Runtime/SafeTensors.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace dsc::rt;
using llvm::ArrayRef;

namespace {

std::string message(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

template <typename T> std::string message(llvm::Expected<T> value) {
  return value ? std::string() : llvm::toString(value.takeError());
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

/// Builds plans tensor by tensor.
class PlanBuilder {
public:
  PlanBuilder() { plan.arenaAlignment = 64; }

  uint32_t tensor(std::string name, DType dtype, std::vector<int64_t> shape,
                  Storage storage, uint64_t offset = 0) {
    TensorDesc desc;
    desc.name = std::move(name);
    desc.dtype = dtype;
    desc.shape = std::move(shape);
    desc.storage = storage;
    desc.offset = offset;
    plan.arenaBytes =
        std::max(plan.arenaBytes, storage == Storage::Arena
                                      ? llvm::alignTo(offset + desc.numBytes(),
                                                      plan.arenaAlignment)
                                      : 0);
    plan.tensors.push_back(std::move(desc));
    return plan.tensors.size() - 1;
  }

  uint32_t arena(std::vector<int64_t> shape, uint64_t offset,
                 DType dtype = DType::F32) {
    return tensor("", dtype, std::move(shape), Storage::Arena, offset);
  }

  template <typename T>
  uint32_t constant(DType dtype, std::vector<int64_t> shape,
                    const std::vector<T> &values) {
    uint64_t offset = llvm::alignTo(plan.constants.size(), 64);
    plan.constants.resize(offset);
    auto bytes = bytesOf(values);
    plan.constants.insert(plan.constants.end(), bytes.begin(), bytes.end());
    return tensor("", dtype, std::move(shape), Storage::Constant, offset);
  }

  Instruction &add(std::string kernel, std::vector<uint32_t> operands,
                   std::vector<uint32_t> results,
                   std::map<std::string, AttrValue> attrs = {}) {
    Instruction inst;
    inst.kernel = std::move(kernel);
    inst.operands = std::move(operands);
    inst.results = std::move(results);
    inst.attrs = std::move(attrs);
    plan.instructions.push_back(std::move(inst));
    return plan.instructions.back();
  }

  /// Makes a 0-d f32 constant the loss unless a loss was set.
  Plan finish() {
    if (!hasLoss)
      setLoss(constant<float>(DType::F32, {}, {0.0f}));
    return plan;
  }

  void setLoss(uint32_t index) {
    plan.loss = index;
    hasLoss = true;
  }

  Plan plan;
  bool hasLoss = false;
};

/// A safetensors file in the temporary directory, removed at the end.
class TempFile {
public:
  TempFile() {
    llvm::sys::fs::createTemporaryFile("executor-test", "safetensors", path);
  }
  ~TempFile() { llvm::sys::fs::remove(path); }
  std::string str() const { return std::string(path); }

  SafeTensorsFile write(const SafeTensorsWriter &writer) {
    EXPECT_EQ(message(writer.write(path)), "");
    auto file = SafeTensorsFile::open(path);
    EXPECT_EQ(message(file.takeError()), "");
    return std::move(*file);
  }

private:
  llvm::SmallString<128> path;
};

std::unique_ptr<Executor> create(Plan plan) {
  auto executor = Executor::create(std::move(plan));
  if (!executor) {
    ADD_FAILURE() << llvm::toString(executor.takeError());
    return nullptr;
  }
  return std::move(*executor);
}

/// Returns the error of Executor::create for `plan`.
std::string createError(Plan plan) {
  return message(Executor::create(std::move(plan)));
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

TEST(ExecutorTest, ArenaIsAllocatedOnceWithThePlannedSize) {
  PlanBuilder b;
  b.plan.arenaAlignment = 256;
  uint32_t x = b.tensor("x", DType::F32, {4}, Storage::Input);
  uint32_t y = b.arena({4}, 0);
  uint32_t z = b.arena({4}, 256);
  b.add("exp", {x}, {y});
  b.add("add", {y, x}, {z});
  b.plan.arenaBytes = 1000; // more than the tensors need: still exact
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  EXPECT_EQ(executor->arenaBytes(), 1000u);

  const uint8_t *arenaStart = executor->tensorData(y).data();
  EXPECT_EQ(reinterpret_cast<uintptr_t>(arenaStart) % 256, 0u);
  EXPECT_EQ(executor->tensorData(z).data(), arenaStart + 256);

  std::vector<float> input = {0, 1, 2, 3};
  ASSERT_EQ(message(executor->setInput("x", bytesOf(input))), "");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(message(executor->step()), "");
  EXPECT_EQ(executor->tensorData(y).data(), arenaStart);
  auto result = valuesOf<float>(executor->tensorData(z));
  for (int i = 0; i < 4; ++i)
    EXPECT_FLOAT_EQ(result[i], std::exp(float(i)) + i);
}

TEST(ExecutorTest, PlanLargerThanTheMachineIsRefusedBeforeAllocating) {
  // An arena of 4 EiB and a parameter of 2^40 floats: with overcommit the
  // allocation could succeed and zeroing it would call the OOM killer.
  PlanBuilder b;
  uint32_t w =
      b.tensor("w", DType::F32, {int64_t(1) << 40}, Storage::Parameter);
  uint32_t y = b.arena({int64_t(1) << 40}, 0);
  b.add("neg", {w}, {y});
  Plan plan = b.finish();
  plan.arenaBytes = uint64_t(1) << 62;
  uint64_t needed =
      (uint64_t(1) << 62) + (uint64_t(1) << 42) + plan.constants.size();
  std::string text = createError(std::move(plan));
  std::string expected =
      "the plan needs " + std::to_string(needed) + " bytes of memory (arena " +
      std::to_string(uint64_t(1) << 62) +
      ", parameters, state, inputs and constants " +
      std::to_string(needed - (uint64_t(1) << 62)) + "); this machine has ";
  EXPECT_EQ(text.substr(0, expected.size()), expected);
  EXPECT_NE(text.find("); this machine has "), std::string::npos) << text;
}

TEST(ExecutorTest, SplatConstantsAreWrittenOutAtLoad) {
  // One element in the plan, four in the tensor the kernel reads.
  PlanBuilder b;
  uint32_t x = b.tensor("x", DType::F32, {4}, Storage::Input);
  uint32_t twos = b.constant<float>(DType::F32, {4}, {2.0f});
  b.plan.tensors[twos].splat = true;
  uint32_t y = b.arena({4}, 0);
  b.add("mul", {x, twos}, {y});
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  std::vector<float> input = {1, 2, 3, 4};
  ASSERT_EQ(message(executor->setInput("x", bytesOf(input))), "");
  ASSERT_EQ(message(executor->step()), "");
  EXPECT_EQ(valuesOf<float>(executor->tensorData(y)),
            (std::vector<float>{2, 4, 6, 8}));
}

TEST(ExecutorTest, EmptyArena) {
  PlanBuilder b;
  uint32_t s = b.tensor("s", DType::F32, {}, Storage::State);
  uint32_t one = b.constant<float>(DType::F32, {}, {1.0f});
  b.add("add", {s, one}, {s});
  b.setLoss(s);
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  EXPECT_EQ(executor->arenaBytes(), 0u);
  ASSERT_EQ(message(executor->step()), "");
  EXPECT_EQ(executor->loss(), 1.0);
}

//===----------------------------------------------------------------------===//
// Weights and inputs
//===----------------------------------------------------------------------===//

Plan weightPlan() {
  PlanBuilder b;
  uint32_t w = b.tensor("fc.weight", DType::F32, {2, 3}, Storage::Parameter);
  uint32_t y = b.arena({2, 3}, 0);
  b.add("neg", {w}, {y});
  return b.finish();
}

TEST(ExecutorTest, LoadWeightsCopiesParameters) {
  auto executor = create(weightPlan());
  ASSERT_TRUE(executor);
  EXPECT_NE(message(executor->step()), ""); // no weights yet
  TempFile file;
  SafeTensorsWriter writer;
  std::vector<float> values = {1, 2, 3, 4, 5, 6};
  writer.add("fc.weight", DType::F32, {2, 3}, bytesOf(values));
  writer.add("unused", DType::F32, {1}, bytesOf(std::vector<float>{0}));
  ASSERT_EQ(message(executor->loadWeights(file.write(writer))), "");
  ASSERT_EQ(message(executor->step()), "");
  std::vector<uint32_t> params = executor->plan().parameterTensors();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(executor->plan().tensors[params[0]].name, "fc.weight");
  std::vector<uint8_t> scratch;
  auto bytes = executor->readTensor(params[0], scratch);
  ASSERT_TRUE(bool(bytes));
  EXPECT_EQ(valuesOf<float>(*bytes), values);
  EXPECT_EQ(valuesOf<float>(executor->tensorData(1)),
            (std::vector<float>{-1, -2, -3, -4, -5, -6}));
}

TEST(ExecutorTest, StepWithoutWeightsFails) {
  auto executor = create(weightPlan());
  ASSERT_TRUE(executor);
  EXPECT_NE(message(executor->step()).find("weights"), std::string::npos);
}

TEST(ExecutorTest, WeightsMissingTensor) {
  auto executor = create(weightPlan());
  ASSERT_TRUE(executor);
  TempFile file;
  SafeTensorsWriter writer;
  writer.add("fc.bias", DType::F32, {2}, bytesOf(std::vector<float>{1, 2}));
  std::string error = message(executor->loadWeights(file.write(writer)));
  EXPECT_NE(error.find("fc.weight"), std::string::npos) << error;
  EXPECT_NE(error.find("F32 [2, 3]"), std::string::npos) << error;
}

TEST(ExecutorTest, WeightsWrongShape) {
  auto executor = create(weightPlan());
  ASSERT_TRUE(executor);
  TempFile file;
  SafeTensorsWriter writer;
  writer.add("fc.weight", DType::F32, {3, 2},
             bytesOf(std::vector<float>(6, 0)));
  std::string error = message(executor->loadWeights(file.write(writer)));
  EXPECT_NE(error.find("fc.weight"), std::string::npos) << error;
  EXPECT_NE(error.find("[3, 2]"), std::string::npos) << error;
  EXPECT_NE(error.find("[2, 3]"), std::string::npos) << error;
}

TEST(ExecutorTest, WeightsWrongDType) {
  auto executor = create(weightPlan());
  ASSERT_TRUE(executor);
  TempFile file;
  SafeTensorsWriter writer;
  writer.add("fc.weight", DType::F64, {2, 3},
             bytesOf(std::vector<double>(6, 0)));
  std::string error = message(executor->loadWeights(file.write(writer)));
  EXPECT_NE(error.find("fc.weight"), std::string::npos) << error;
  EXPECT_NE(error.find("F64"), std::string::npos) << error;
  EXPECT_NE(error.find("F32"), std::string::npos) << error;
}

TEST(ExecutorTest, InputsMustBeSetWithTheirSize) {
  PlanBuilder b;
  uint32_t x = b.tensor("tokens", DType::I64, {2}, Storage::Input);
  uint32_t y = b.arena({2}, 0, DType::I64);
  b.add("neg", {x}, {y});
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  EXPECT_NE(message(executor->step()).find("input 'tokens' was never set"),
            std::string::npos);
  EXPECT_NE(message(executor->setInput("tokens",
                                       bytesOf(std::vector<int64_t>{1, 2, 3}))),
            "");
  EXPECT_NE(message(executor->setInput("labels", {})), "");
  ASSERT_EQ(message(executor->setInput("tokens",
                                       bytesOf(std::vector<int64_t>{4, -5}))),
            "");
  ASSERT_EQ(message(executor->step()), "");
  EXPECT_EQ(valuesOf<int64_t>(executor->tensorData(y)),
            (std::vector<int64_t>{-4, 5}));
}

//===----------------------------------------------------------------------===//
// Aliasing
//===----------------------------------------------------------------------===//

TEST(ExecutorTest, InPlaceUpdatesPersistAcrossSteps) {
  PlanBuilder b;
  uint32_t step = b.tensor("step", DType::I64, {}, Storage::State);
  uint32_t one = b.constant<int64_t>(DType::I64, {}, {1});
  uint32_t w = b.tensor("w", DType::F32, {3}, Storage::Parameter);
  uint32_t g = b.tensor("g", DType::F32, {3}, Storage::Input);
  uint32_t buf = b.tensor("momentum_buffer.w", DType::F32, {3}, Storage::State);
  b.add("add", {step, one}, {step});
  b.add("sgd_update", {w, g, buf}, {w, buf},
        {{"lr", 0.5}, {"momentum", 0.0}, {"weight_decay", 0.0}});
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  TempFile file;
  SafeTensorsWriter writer;
  writer.add("w", DType::F32, {3}, bytesOf(std::vector<float>{1, 2, 3}));
  ASSERT_EQ(message(executor->loadWeights(file.write(writer))), "");
  ASSERT_EQ(
      message(executor->setInput("g", bytesOf(std::vector<float>{2, 2, 2}))),
      "");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(message(executor->step()), "");
  EXPECT_EQ(valuesOf<int64_t>(executor->tensorData(step)),
            (std::vector<int64_t>{3}));
  EXPECT_EQ(valuesOf<float>(
                executor->tensorData(executor->plan().parameterTensors()[0])),
            (std::vector<float>{-2, -1, 0}));
}

TEST(ExecutorTest, ResultOverlappingAnOperandIsStaged) {
  // The planner gave the transpose's result the bytes of its operand, and
  // later a result that starts inside its operand; transposing in place
  // would read overwritten elements.
  PlanBuilder b;
  b.plan.arenaAlignment = 8;
  uint32_t x = b.tensor("x", DType::F32, {2, 3}, Storage::Input);
  uint32_t a = b.arena({2, 3}, 0);
  uint32_t t = b.arena({3, 2}, 0);
  uint32_t shifted = b.arena({2, 3}, 64);
  uint32_t late = b.arena({3, 2}, 72);
  b.add("neg", {x}, {a});
  b.add("transpose", {a}, {t}, {{"permutation", std::vector<int64_t>{1, 0}}});
  b.add("neg", {t}, {t}); // exact alias: elementwise in place
  b.add("reshape", {t}, {shifted});
  b.add("transpose", {shifted}, {late},
        {{"permutation", std::vector<int64_t>{1, 0}}});
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  std::vector<float> seen;
  executor->setInstructionHook([&](size_t index) {
    if (index == 3)
      seen = valuesOf<float>(executor->tensorData(shifted));
  });
  ASSERT_EQ(message(executor->setInput(
                "x", bytesOf(std::vector<float>{0, 1, 2, 3, 4, 5}))),
            "");
  ASSERT_EQ(message(executor->step()), "");
  EXPECT_EQ(seen, (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(valuesOf<float>(executor->tensorData(late)),
            (std::vector<float>{0, 4, 3, 2, 1, 5}));
}

//===----------------------------------------------------------------------===//
// Gradient capture and loss
//===----------------------------------------------------------------------===//

TEST(ExecutorTest, CapturesGradientsBeforeTheirMemoryIsReused) {
  PlanBuilder b;
  uint32_t w = b.tensor("h.0.w", DType::F32, {4}, Storage::Parameter);
  uint32_t two = b.constant<float>(DType::F32, {}, {2.0f});
  uint32_t grad = b.arena({4}, 0);
  uint32_t loss = b.arena({}, 64);
  uint32_t reused = b.arena({4}, 0);
  b.add("mul", {w, two}, {grad});
  b.add("sum", {grad}, {loss}, {{"dims", std::vector<int64_t>{0}}});
  b.add("mul", {w, w}, {reused});
  b.setLoss(loss);
  b.plan.gradients = {{w, grad}};
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  TempFile file;
  SafeTensorsWriter writer;
  writer.add("h.0.w", DType::F32, {4}, bytesOf(std::vector<float>{1, 2, 3, 4}));
  ASSERT_EQ(message(executor->loadWeights(file.write(writer))), "");

  std::vector<size_t> seen;
  executor->setInstructionHook([&](size_t index) { seen.push_back(index); });
  executor->setCaptureGradients(true);
  ASSERT_EQ(message(executor->step()), "");
  EXPECT_EQ(seen, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(executor->loss(), 20.0);
  ASSERT_EQ(executor->capturedGradients().size(), 1u);
  const TensorCopy &copy = executor->capturedGradients()[0];
  EXPECT_EQ(copy.name, "h.0.w");
  EXPECT_EQ(copy.dtype, DType::F32);
  EXPECT_EQ(copy.shape, (std::vector<int64_t>{4}));
  EXPECT_EQ(valuesOf<float>(copy.bytes), (std::vector<float>{2, 4, 6, 8}));
  EXPECT_EQ(valuesOf<float>(executor->tensorData(reused)),
            (std::vector<float>{1, 4, 9, 16}));
}

// A gradient that is a view into a larger buffer (an all-reduce bucket split
// back into parameters) has no writer of its own; it is complete when its
// first reader (the update) runs, and its bytes are reused after that.
TEST(ExecutorTest, CapturesViewGradientsBeforeTheirFirstReader) {
  PlanBuilder b;
  uint32_t w = b.tensor("h.0.w", DType::F32, {2}, Storage::Parameter);
  uint32_t two = b.constant<float>(DType::F32, {}, {2.0f});
  uint32_t bucket = b.arena({32}, 0);
  uint32_t grad = b.arena({2}, 64); // elements 16 and 17 of the bucket
  uint32_t loss = b.arena({}, 128);
  uint32_t reused = b.arena({32}, 0);
  uint32_t wide =
      b.constant<float>(DType::F32, {32}, std::vector<float>(32, 1.0f));
  b.add("mul", {wide, two}, {bucket});
  b.add("sum", {grad}, {loss}, {{"dims", std::vector<int64_t>{0}}});
  b.add("mul", {wide, wide}, {reused});
  b.setLoss(loss);
  b.plan.gradients = {{w, grad}};
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  TempFile file;
  SafeTensorsWriter writer;
  writer.add("h.0.w", DType::F32, {2}, bytesOf(std::vector<float>{1, 2}));
  ASSERT_EQ(message(executor->loadWeights(file.write(writer))), "");
  executor->setCaptureGradients(true);
  ASSERT_EQ(message(executor->step()), "");
  ASSERT_EQ(executor->capturedGradients().size(), 1u);
  EXPECT_EQ(valuesOf<float>(executor->capturedGradients()[0].bytes),
            (std::vector<float>{2, 2}));
  EXPECT_EQ(valuesOf<float>(executor->tensorData(grad)),
            (std::vector<float>{1, 1}));
}

//===----------------------------------------------------------------------===//
// Load-time checks
//===----------------------------------------------------------------------===//

TEST(ExecutorTest, RejectsUnknownKernel) {
  PlanBuilder b;
  uint32_t x = b.tensor("x", DType::F32, {2}, Storage::State);
  b.add("frobnicate", {x}, {x});
  std::string error = createError(b.finish());
  EXPECT_NE(error.find("instruction 0 'frobnicate': no such kernel"),
            std::string::npos)
      << error;
}

TEST(ExecutorTest, RejectsWrongArity) {
  PlanBuilder b;
  uint32_t x = b.tensor("x", DType::F32, {2}, Storage::State);
  uint32_t y = b.arena({2}, 64);
  b.add("neg", {x}, {y});
  b.add("add", {x}, {y});
  std::string error = createError(b.finish());
  EXPECT_NE(error.find("instruction 1 'add': expected 2 operands, got 1"),
            std::string::npos)
      << error;

  PlanBuilder c;
  x = c.tensor("x", DType::F32, {4}, Storage::State);
  y = c.arena({2}, 64);
  c.add("split", {x}, {},
        {{"dim", int64_t(0)}, {"sizes", std::vector<int64_t>{}}});
  error = createError(c.finish());
  EXPECT_NE(error.find("expected at least 1 results, got 0"), std::string::npos)
      << error;
}

TEST(ExecutorTest, RejectsWrongShapesAndTypes) {
  {
    PlanBuilder b;
    uint32_t lhs = b.tensor("lhs", DType::F32, {2, 3}, Storage::State);
    uint32_t rhs = b.tensor("rhs", DType::F32, {4, 5}, Storage::State);
    uint32_t out = b.arena({2, 5}, 192);
    b.add("matmul", {lhs, rhs}, {out});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("instruction 0 'matmul': contracted dimensions"),
              std::string::npos)
        << error;
  }
  {
    PlanBuilder b;
    uint32_t lhs = b.tensor("lhs", DType::F32, {2}, Storage::State);
    uint32_t out = b.arena({3}, 64);
    b.add("add", {lhs, lhs}, {out});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("the result must be f32[2], got f32[3]"),
              std::string::npos)
        << error;
  }
  {
    PlanBuilder b;
    uint32_t lhs = b.tensor("lhs", DType::F32, {2}, Storage::State);
    uint32_t rhs = b.tensor("rhs", DType::F64, {2}, Storage::State);
    uint32_t out = b.arena({2}, 128);
    b.add("mul", {lhs, rhs}, {out});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("rhs must have dtype f32, got f64[2]"),
              std::string::npos)
        << error;
  }
  {
    PlanBuilder b;
    uint32_t x = b.tensor("x", DType::U16, {2}, Storage::State);
    uint32_t out = b.arena({2}, 64, DType::U16);
    b.add("neg", {x}, {out});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("dtype u16, which the ATen kernels do not support"),
              std::string::npos)
        << error;
  }
}

TEST(ExecutorTest, RejectsMissingOrMistypedAttributes) {
  {
    PlanBuilder b;
    uint32_t x = b.tensor("x", DType::F32, {2, 3}, Storage::State);
    uint32_t y = b.arena({2, 3}, 64);
    b.add("softmax", {x}, {y});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("instruction 0 'softmax': missing attribute 'dim'"),
              std::string::npos)
        << error;
  }
  {
    PlanBuilder b;
    uint32_t x = b.tensor("x", DType::F32, {2, 3}, Storage::State);
    uint32_t y = b.arena({2, 3}, 64);
    b.add("softmax", {x}, {y}, {{"dim", std::string("last")}});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("attribute 'dim' must be an integer"),
              std::string::npos)
        << error;
  }
  {
    PlanBuilder b;
    uint32_t x = b.tensor("x", DType::F32, {2, 3}, Storage::State);
    uint32_t y = b.arena({2, 3}, 64);
    b.add("gelu", {x}, {y}, {{"approximate", std::string("erf")}});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("attribute 'approximate' must be one of"),
              std::string::npos)
        << error;
  }
  {
    PlanBuilder b;
    uint32_t x = b.tensor("x", DType::F32, {2, 3}, Storage::State);
    uint32_t y = b.arena({2}, 64);
    b.add("sum", {x}, {y}, {{"dims", std::vector<int64_t>{}}});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("attribute 'dims' is empty"), std::string::npos)
        << error;
  }
  {
    PlanBuilder b;
    uint32_t x = b.tensor("x", DType::F32, {2, 3}, Storage::State);
    uint32_t w = b.tensor("w", DType::F32, {3}, Storage::State);
    uint32_t y = b.arena({2, 3}, 128);
    b.add("layer_norm", {x, w}, {y},
          {{"epsilon", 1e-5},
           {"has_weight", int64_t(1)},
           {"has_bias", int64_t(1)}});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("has_weight and has_bias name 3 operands, but there "
                         "are 2"),
              std::string::npos)
        << error;
  }
  {
    // A plan from before has_weight and has_bias: refused, not misread.
    PlanBuilder b;
    uint32_t x = b.tensor("x", DType::F32, {2, 3}, Storage::State);
    uint32_t w = b.tensor("w", DType::F32, {3}, Storage::State);
    uint32_t y = b.arena({2, 3}, 128);
    b.add("layer_norm", {x, w}, {y},
          {{"epsilon", 1e-5},
           {"operand_segment_sizes", std::vector<int64_t>{1, 0, 1}}});
    std::string error = createError(b.finish());
    EXPECT_NE(error.find("compile it again"), std::string::npos) << error;
  }
}

TEST(ExecutorTest, RejectsOptimizerHyperparametersTorchWould) {
  // A plan edited to a NaN learning rate must not train wrong numbers.
  for (auto [name, value, expected] :
       {std::tuple<const char *, double, const char *>{
            "lr", std::nan(""),
            "attribute 'lr' is nan; it must be finite and in [0, inf)"},
        {"beta1", 1.0,
         "attribute 'beta1' is 1; it must be finite and in "
         "[0, 1)"},
        {"eps", -1e-8,
         "attribute 'eps' is -1e-08; it must be finite and in "
         "[0, inf)"}}) {
    PlanBuilder b;
    uint32_t p = b.tensor("p", DType::F32, {2}, Storage::Parameter);
    uint32_t g = b.tensor("g", DType::F32, {2}, Storage::State);
    uint32_t m = b.tensor("m", DType::F32, {2}, Storage::State);
    uint32_t v = b.tensor("v", DType::F32, {2}, Storage::State);
    uint32_t t = b.tensor("t", DType::I64, {}, Storage::State);
    std::map<std::string, AttrValue> attrs = {{"lr", 1e-3},
                                              {"beta1", 0.9},
                                              {"beta2", 0.999},
                                              {"eps", 1e-8},
                                              {"weight_decay", 0.01}};
    attrs[name] = value;
    b.add("adamw_update", {p, g, m, v, t}, {p, m, v}, attrs);
    std::string error = createError(b.finish());
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  }
}

TEST(ExecutorTest, KernelErrorsNameTheInstruction) {
  PlanBuilder b;
  uint32_t table = b.constant<float>(DType::F32, {2, 2}, {1, 2, 3, 4});
  uint32_t ids = b.tensor("ids", DType::I64, {1}, Storage::Input);
  uint32_t rows = b.arena({1, 2}, 0);
  b.add("embedding", {table, ids}, {rows});
  auto executor = create(b.finish());
  ASSERT_TRUE(executor);
  ASSERT_EQ(
      message(executor->setInput("ids", bytesOf(std::vector<int64_t>{7}))), "");
  std::string error = message(executor->step());
  EXPECT_EQ(error.rfind("instruction 0 'embedding': ", 0), 0u) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

TEST(DeviceTest, ParsesDeviceNames) {
  auto cpu = parseDevice("cpu");
  ASSERT_TRUE(bool(cpu));
  EXPECT_FALSE(cpu->isCuda());
  auto cuda = parseDevice("cuda");
  ASSERT_TRUE(bool(cuda));
  EXPECT_EQ(cuda->name(), "cuda:0");
  auto second = parseDevice("cuda:1");
  ASSERT_TRUE(bool(second));
  EXPECT_EQ(second->index, 1);
  for (const char *bad : {"gpu", "cuda:", "cuda:-1", "cuda:x", "cuda1", ""})
    EXPECT_EQ(message(parseDevice(bad)), "unknown device '" + std::string(bad) +
                                             "': expected cpu, cuda or cuda:N");
}

/// One step of a small model on `device`: a matmul of a parameter and an
/// input, a splat constant, a summed loss, gradients captured, an SGD
/// update and a step counter in place, and causal grouped-query attention
/// forward and backward (the CPU's fused kernel, the composite form on
/// CUDA).
Plan deviceStepPlan() {
  PlanBuilder b;
  uint32_t x = b.tensor("x", DType::F32, {2, 3}, Storage::Input);
  uint32_t w = b.tensor("w", DType::F32, {3, 4}, Storage::Parameter);
  uint32_t step = b.tensor("step", DType::I64, {}, Storage::State);
  uint32_t buf =
      b.tensor("momentum_buffer.w", DType::F32, {3, 4}, Storage::State);
  uint32_t one = b.constant<int64_t>(DType::I64, {}, {1});
  uint32_t half = b.constant<float>(DType::F32, {3, 4}, {0.5f});
  b.plan.tensors[half].splat = true;
  uint32_t y = b.arena({2, 4}, 0);
  uint32_t loss = b.arena({}, 64);
  uint32_t grad = b.arena({3, 4}, 128);
  b.add("matmul", {x, w}, {y});
  b.add("sum", {y}, {loss}, {{"dims", std::vector<int64_t>{0, 1}}});
  b.add("mul", {w, half}, {grad});
  b.add("add", {step, one}, {step});
  b.add("sgd_update", {w, grad, buf}, {w, buf},
        {{"lr", 0.25}, {"momentum", 0.9}, {"weight_decay", 0.0}});
  uint32_t q = b.tensor("q", DType::F32, {1, 4, 4, 8}, Storage::Input);
  uint32_t k = b.tensor("k", DType::F32, {1, 2, 4, 8}, Storage::Input);
  uint32_t v = b.tensor("v", DType::F32, {1, 2, 4, 8}, Storage::Input);
  uint32_t out = b.arena({1, 4, 4, 8}, 256);
  uint32_t dq = b.arena({1, 4, 4, 8}, 768);
  uint32_t dk = b.arena({1, 2, 4, 8}, 1280);
  uint32_t dv = b.arena({1, 2, 4, 8}, 1536);
  std::map<std::string, AttrValue> attention = {{"scale", 0.35},
                                                {"causal", int64_t(1)}};
  b.add("attention", {q, k, v}, {out}, attention);
  b.add("attention_grad", {q, k, v, out, out}, {dq, dk, dv}, attention);
  b.setLoss(loss);
  b.plan.gradients = {{w, grad}};
  return b.finish();
}

/// The names of deviceStepPlan's attention results, by tensor index.
const std::vector<std::pair<uint32_t, const char *>> &attentionResults() {
  static const std::vector<std::pair<uint32_t, const char *>> results = [] {
    Plan plan = deviceStepPlan();
    size_t last = plan.instructions.size() - 1;
    std::vector<std::pair<uint32_t, const char *>> names = {
        {plan.instructions[last - 1].results[0], "out"}};
    for (auto [index, name] :
         llvm::zip(plan.instructions[last].results,
                   std::vector<const char *>{"grad_q", "grad_k", "grad_v"}))
      names.emplace_back(index, name);
    return names;
  }();
  return results;
}

struct DeviceStepResult {
  std::vector<double> losses;
  std::vector<float> gradient, weight;
  std::vector<int64_t> step;
  /// The attention output and its gradients after the last step.
  std::vector<std::vector<float>> attention;
};

DeviceStepResult runDeviceStep(Device device) {
  DeviceStepResult result;
  auto executor = Executor::create(deviceStepPlan(), nullptr, nullptr, device);
  if (!executor) {
    ADD_FAILURE() << llvm::toString(executor.takeError());
    return result;
  }
  Executor &exec = **executor;
  TempFile file;
  SafeTensorsWriter writer;
  std::vector<float> w(12);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = 0.1f * static_cast<float>(i) - 0.3f;
  writer.add("w", DType::F32, {3, 4}, bytesOf(w));
  EXPECT_EQ(message(exec.loadWeights(file.write(writer))), "");
  EXPECT_EQ(message(exec.setInput(
                "x", bytesOf(std::vector<float>{1, -2, 3, 0.5f, 4, -1}))),
            "");
  for (auto [name, count] :
       {std::pair<const char *, size_t>{"q", 128}, {"k", 64}, {"v", 64}}) {
    std::vector<float> values(count);
    for (size_t i = 0; i < count; ++i)
      values[i] = std::sin(0.7f * static_cast<float>(i) + name[0]);
    EXPECT_EQ(message(exec.setInput(name, bytesOf(values))), "");
  }
  exec.setCaptureGradients(true);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(message(exec.step()), "");
    result.losses.push_back(exec.loss());
    if (i == 0)
      result.gradient = valuesOf<float>(exec.capturedGradients()[0].bytes);
  }
  std::vector<uint8_t> scratch;
  for (auto [index, name] : attentionResults()) {
    auto bytes = exec.readTensor(index, scratch);
    EXPECT_TRUE(bool(bytes)) << name;
    if (!bytes)
      return result;
    result.attention.push_back(valuesOf<float>(*bytes));
  }
  for (uint32_t index = 0; index < exec.plan().tensors.size(); ++index) {
    const std::string &name = exec.plan().tensors[index].name;
    if (name != "w" && name != "step")
      continue;
    auto bytes = exec.readTensor(index, scratch);
    EXPECT_TRUE(bool(bytes));
    if (!bytes)
      return result;
    if (name == "w")
      result.weight = valuesOf<float>(*bytes);
    else
      result.step = valuesOf<int64_t>(*bytes);
  }
  return result;
}

// The same kernels on a GPU: every value as on the CPU. Skipped where no
// GPU is visible; scripts/device-check.sh checks whole models on one (this
// test binary needs dsc's build dependencies, which that machine lacks).
TEST(DeviceTest, StepOnCudaMatchesTheCpu) {
  DeviceStepResult cpu = runDeviceStep(Device());
  // The plan itself, checked here: the first gradient is half the first
  // weights (the matmul's loss is not what the update reads), three steps
  // counted.
  EXPECT_EQ(cpu.step, (std::vector<int64_t>{3}));
  ASSERT_EQ(cpu.gradient.size(), 12u);
  EXPECT_EQ(cpu.gradient[11], 0.5f * (0.1f * 11 - 0.3f));
  ASSERT_EQ(cpu.losses.size(), 3u);
  EXPECT_NE(cpu.losses[0], cpu.losses[2]);
  Device cuda{Device::Kind::CUDA, 0};
  if (llvm::Error err = prepareDevice(cuda))
    GTEST_SKIP() << llvm::toString(std::move(err));
  DeviceStepResult gpu = runDeviceStep(cuda);
  EXPECT_EQ(gpu.step, (std::vector<int64_t>{3}));
  EXPECT_EQ(gpu.step, cpu.step);
  EXPECT_EQ(gpu.gradient, cpu.gradient);
  ASSERT_EQ(gpu.losses.size(), cpu.losses.size());
  for (size_t i = 0; i < cpu.losses.size(); ++i)
    EXPECT_NEAR(gpu.losses[i], cpu.losses[i],
                1e-5 * std::max(1.0, std::fabs(cpu.losses[i])));
  ASSERT_EQ(gpu.weight.size(), cpu.weight.size());
  for (size_t i = 0; i < cpu.weight.size(); ++i)
    EXPECT_NEAR(gpu.weight[i], cpu.weight[i],
                1e-5f * std::max(1.0f, std::fabs(cpu.weight[i])));
  ASSERT_EQ(gpu.attention.size(), cpu.attention.size());
  for (size_t t = 0; t < cpu.attention.size(); ++t) {
    ASSERT_EQ(gpu.attention[t].size(), cpu.attention[t].size());
    for (size_t i = 0; i < cpu.attention[t].size(); ++i)
      EXPECT_NEAR(gpu.attention[t][i], cpu.attention[t][i], 1e-5f)
          << attentionResults()[t].second << "[" << i << "]";
  }
}

TEST(DeviceTest, CudaWithoutAGpuIsAClearError) {
  Device cuda{Device::Kind::CUDA, 0};
  if (llvm::Error err = prepareDevice(cuda)) {
    llvm::consumeError(std::move(err));
    std::string error =
        message(Executor::create(deviceStepPlan(), nullptr, nullptr, cuda));
    EXPECT_NE(error.find("--device cuda:0: "), std::string::npos) << error;
    EXPECT_TRUE(error.find("no GPU is visible") != std::string::npos ||
                error.find("not available") != std::string::npos)
        << error;
    return;
  }
  // With a GPU: an index past the last one.
  Device beyond{Device::Kind::CUDA, 1023};
  EXPECT_NE(
      message(Executor::create(deviceStepPlan(), nullptr, nullptr, beyond))
          .find("this process sees"),
      std::string::npos);
}

TEST(ExecutorTest, KernelNamesCoverTheDialect) {
  std::vector<std::string> names = kernelNames();
  for (const char *name :
       {"add", "matmul", "linear", "attention", "attention_grad",
        "layer_norm_grad", "rms_norm_grad", "cross_entropy_grad",
        "embedding_grad", "adamw_update", "sgd_update", "pad", "split"})
    EXPECT_TRUE(llvm::is_contained(names, name)) << name;
}

} // namespace
