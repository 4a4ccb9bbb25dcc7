//===- PlanTest.cpp - tests of the plan file, validation and listing ------===//

#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/CollectiveSchedule.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Runtime/SwapStaging.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace dsc::rt;
using llvm::StringRef;

namespace {

constexpr size_t kHeaderSize = 32;

/// Returns the message of `err`, or "" for success.
std::string message(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

/// Returns the error message of `value`, or "" if it holds a value.
template <typename T> std::string message(llvm::Expected<T> value) {
  return value ? std::string() : llvm::toString(value.takeError());
}

/// Succeeds if `value` holds a value; otherwise fails with its message.
template <typename T>
::testing::AssertionResult succeeded(llvm::Expected<T> &value) {
  if (value)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << llvm::toString(value.takeError());
}

TensorDesc tensor(StringRef name, DType dtype, std::vector<int64_t> shape,
                  Storage storage, uint64_t offset = 0) {
  TensorDesc desc;
  desc.name = name.str();
  desc.dtype = dtype;
  desc.shape = std::move(shape);
  desc.storage = storage;
  desc.offset = offset;
  return desc;
}

Instruction instruction(StringRef kernel, std::vector<uint32_t> operands,
                        std::vector<uint32_t> results,
                        std::map<std::string, AttrValue> attrs = {}) {
  Instruction inst;
  inst.kernel = kernel.str();
  inst.operands = std::move(operands);
  inst.results = std::move(results);
  inst.attrs = std::move(attrs);
  return inst;
}

/// A small training step with every storage kind, every attribute type,
/// constants, gradients, metadata, a mesh and inputs split over it, one of
/// them padded.
Plan samplePlan() {
  Plan plan;
  plan.arenaBytes = 320;
  plan.arenaAlignment = 64;
  plan.mesh = {{"dp", 2}, {"sp", 3}};
  plan.tensors = {
      tensor("fc.weight", DType::F32, {4, 8}, Storage::Parameter),       // 0
      tensor("fc.bias", DType::F32, {8}, Storage::Parameter),            // 1
      tensor("x", DType::F32, {2, 4}, Storage::Input),                   // 2
      tensor("labels", DType::I64, {2}, Storage::Input),                 // 3
      tensor("exp_avg.fc.weight", DType::F32, {4, 8}, Storage::State),   // 4
      tensor("bias_init", DType::F32, {8}, Storage::Constant, 0),        // 5
      tensor("h", DType::F32, {2, 8}, Storage::Arena, 0),                // 6
      tensor("loss", DType::F32, {}, Storage::Arena, 64),                // 7
      tensor("grad.fc.weight", DType::F32, {4, 8}, Storage::Arena, 128), // 8
      tensor("", DType::F32, {8}, Storage::Arena, 256),                  // 9
      tensor("", DType::I64, {1}, Storage::Constant, 32),                // 10
      tensor("step", DType::I64, {}, Storage::State),                    // 11
  };
  plan.instructions = {
      instruction("linear", {2, 0, 1}, {6}, {{"transpose_rhs", int64_t(1)}}),
      instruction("add", {6, 5}, {6}),
      instruction("cross_entropy", {6, 3}, {7},
                  {{"reduction", std::string("mean")},
                   {"ignore_index", int64_t(-100)},
                   {"label_smoothing", 0.0},
                   {"dims", std::vector<int64_t>{0, 1}}}),
      instruction("linear_grad", {7, 2, 0}, {8, 9}),
      instruction("adamw_update", {0, 8, 4, 11}, {0, 4, 11},
                  {{"lr", 1e-3}, {"eps", 1e-8}, {"weight_decay", 0.01}}),
  };
  plan.tensors[2].shardAxes = {0, -1};
  plan.tensors[3].shardAxes = {0};
  // Three labels padded to the global four.
  plan.tensors[3].dataShape = {3};
  // Labels index the logits' 4 classes, -100 besides.
  plan.tensors[3].validRange = {0, 4, -100};
  plan.constants.resize(40);
  for (size_t i = 0; i < plan.constants.size(); ++i)
    plan.constants[i] = static_cast<uint8_t>(i * 7 + 1);
  plan.loss = 7;
  plan.gradients = {{0, 8}, {1, 9}};
  plan.metadata = {{"optimizer", "adamw"}, {"model", "mlp.pt"}};
  return plan;
}

/// A header for `payload` with the right size and checksum.
std::string withHeader(StringRef payload, uint32_t version = kPlanVersion) {
  std::string file("DSCPLAN\0", 8);
  file.resize(kHeaderSize);
  uint64_t hash = llvm::xxh3_64bits(payload);
  llvm::support::endian::write32le(&file[8], version);
  llvm::support::endian::write64le(&file[16], payload.size());
  llvm::support::endian::write64le(&file[24], hash);
  return file + payload.str();
}

/// Decodes `bytes` as "bad.plan" and returns the error message ("" if it
/// decoded).
std::string decodeError(StringRef bytes) {
  return message(decodePlan(bytes, "bad.plan"));
}

void putU64(std::string &bytes, uint64_t value) {
  char buffer[8];
  llvm::support::endian::write64le(buffer, value);
  bytes.append(buffer, sizeof(buffer));
}

bool contains(StringRef text, StringRef part) { return text.contains(part); }

//===----------------------------------------------------------------------===//
// Accessors
//===----------------------------------------------------------------------===//

TEST(PlanTest, TensorSizes) {
  EXPECT_EQ(tensor("s", DType::F32, {}, Storage::Arena).numElements(), 1);
  EXPECT_EQ(tensor("s", DType::F32, {}, Storage::Arena).numBytes(), 4u);
  EXPECT_EQ(tensor("e", DType::F64, {3, 0}, Storage::Arena).numBytes(), 0u);
  EXPECT_EQ(tensor("b", DType::BF16, {2, 3, 4}, Storage::Arena).numBytes(),
            48u);
  EXPECT_EQ(tensor("n", DType::F32, {2, -1}, Storage::Arena).numElements(), -1);

  constexpr uint64_t kInvalid = std::numeric_limits<uint64_t>::max();
  TensorDesc huge = tensor("h", DType::U8, {int64_t(1) << 40, int64_t(1) << 40},
                           Storage::Arena);
  EXPECT_EQ(huge.numElements(), -1);
  EXPECT_EQ(huge.numBytes(), kInvalid);
  // The element count fits int64_t; the byte count does not fit uint64_t.
  TensorDesc wide = tensor("w", DType::F64, {int64_t(1) << 62}, Storage::Arena);
  EXPECT_EQ(wide.numElements(), int64_t(1) << 62);
  EXPECT_EQ(wide.numBytes(), kInvalid);
  // Past int64_t but within uint64_t.
  TensorDesc big = tensor("b", DType::F32, {int64_t(1) << 61}, Storage::Arena);
  EXPECT_EQ(big.numBytes(), uint64_t(1) << 63);
}

TEST(PlanTest, AttributeAccessors) {
  Instruction inst = instruction("k", {}, {},
                                 {{"i", int64_t(-3)},
                                  {"d", 0.25},
                                  {"s", std::string("tanh")},
                                  {"v", std::vector<int64_t>{1, -2, 3}}});
  EXPECT_TRUE(inst.has("i"));
  EXPECT_FALSE(inst.has("missing"));

  EXPECT_EQ(inst.getInt("i"), -3);
  EXPECT_EQ(inst.getInt("missing", 9), 9);
  EXPECT_EQ(inst.getInt("d", 9), 9);

  EXPECT_EQ(inst.getDouble("d"), 0.25);
  EXPECT_EQ(inst.getDouble("i"), -3.0);
  EXPECT_EQ(inst.getDouble("missing", 1.5), 1.5);
  EXPECT_EQ(inst.getDouble("s", 1.5), 1.5);

  EXPECT_EQ(inst.getString("s"), "tanh");
  EXPECT_EQ(inst.getString("missing", "none"), "none");
  EXPECT_EQ(inst.getString("i", "none"), "none");

  EXPECT_EQ(inst.getInts("v"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_TRUE(inst.getInts("missing").empty());
  EXPECT_TRUE(inst.getInts("i").empty());
}

TEST(PlanTest, TensorsWith) {
  Plan plan = samplePlan();
  EXPECT_EQ(plan.tensorsWith(Storage::Parameter),
            (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(plan.tensorsWith(Storage::State), (std::vector<uint32_t>{4, 11}));
  EXPECT_EQ(plan.tensorsWith(Storage::Input), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(plan.tensorsWith(Storage::Constant),
            (std::vector<uint32_t>{5, 10}));
  EXPECT_EQ(plan.tensorsWith(Storage::Arena),
            (std::vector<uint32_t>{6, 7, 8, 9}));
  EXPECT_EQ(storageName(Storage::Parameter), "param");
}

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

TEST(PlanValidationTest, SamplePlanIsValid) {
  EXPECT_EQ(message(validatePlan(samplePlan())), "");
}

TEST(PlanValidationTest, AcceptsGradientPieces) {
  // ZeRO: 32 and 8 elements on 6 ranks, pieces of ceil(32 / 6) = 6 and 2.
  Plan plan = samplePlan();
  plan.tensors[8].shape = {6};
  plan.tensors[9].shape = {2};
  EXPECT_EQ(message(validatePlan(plan)), "");
  EXPECT_EQ(plan.numRanks(), 6);
  EXPECT_TRUE(plan.isGradientPiece(0));
  EXPECT_TRUE(plan.isGradientPiece(1));
  // One rank: only whole gradients.
  plan.mesh.clear();
  plan.tensors[2].shardAxes.clear();
  plan.tensors[3].shardAxes.clear();
  plan.tensors[3].dataShape.clear();
  EXPECT_EQ(plan.numRanks(), 1);
  EXPECT_EQ(message(validatePlan(plan)),
            "gradient 0: tensor 8 'grad.fc.weight' is f32[6] but tensor 0 "
            "'fc.weight' is f32[4,8]");
  EXPECT_FALSE(samplePlan().isGradientPiece(0));
}

TEST(PlanValidationTest, AcceptsParameterPieces) {
  // ZeRO stage 3: fc.weight held as its piece of ceil(32 / 6) = 6
  // elements, with its gradient the same piece.
  Plan plan = samplePlan();
  plan.tensors[0].dataShape = {4, 8};
  plan.tensors[0].shape = {6};
  plan.tensors[4].shape = {6};
  plan.tensors[8].shape = {6};
  EXPECT_EQ(message(validatePlan(plan)), "");
  EXPECT_TRUE(plan.tensors[0].isParameterPiece());
  EXPECT_EQ(plan.tensors[0].parameterShape(), (std::vector<int64_t>{4, 8}));
  EXPECT_TRUE(plan.isGradientPiece(0));
  EXPECT_FALSE(plan.isGradientPiece(1));
  // One rank holds no pieces.
  plan.mesh.clear();
  plan.tensors[2].shardAxes.clear();
  plan.tensors[3].shardAxes.clear();
  plan.tensors[3].dataShape.clear();
  EXPECT_EQ(message(validatePlan(plan)),
            "tensor 0 'fc.weight': a parameter piece needs a mesh of several "
            "ranks, no shard axes and a whole shape of valid size");
}

TEST(PlanValidationTest, KernelsOnTheHostTouchOnlyHostMemory) {
  // -ds-host-updates: the update reads the offloaded copies of the
  // gradient and the parameter, the moments where they are and the step
  // count in memory; the new parameter is reloaded from its host buffer.
  Plan plan = samplePlan();
  plan.tensors[4].storage = Storage::Host;
  plan.tensors.push_back(tensor("host_update.fc.weight.operand1", DType::F32,
                                {4, 8}, Storage::Host)); // 12
  plan.tensors.push_back(tensor("host_update.fc.weight.operand0", DType::F32,
                                {4, 8}, Storage::Host)); // 13
  plan.tensors.push_back(
      tensor("exp_avg_sq.fc.weight", DType::F32, {4, 8}, Storage::Host)); // 14
  plan.instructions.back() =
      instruction("adamw_update", {13, 12, 4, 14, 11}, {13, 4, 14},
                  {{"lr", 1e-3}, {"eps", 1e-8}, {"weight_decay", 0.01}});
  plan.instructions.insert(plan.instructions.end() - 1,
                           {instruction("offload", {8}, {12}),
                            instruction("offload", {0}, {13}),
                            instruction("offload_wait", {8}, {12}),
                            instruction("offload_wait", {0}, {13})});
  plan.instructions.push_back(instruction("reload", {13}, {0}));
  plan.instructions.push_back(instruction("reload_wait", {13}, {0}));
  EXPECT_EQ(message(validatePlan(plan)), "");
  // The gradient in memory, or the step count a whole vector there.
  Plan device = plan;
  device.instructions[8].operands[1] = 8;
  EXPECT_EQ(message(validatePlan(device)),
            "instruction 8 'adamw_update': runs on the host (it touches "
            "tensor 13 'host_update.fc.weight.operand0', in host memory) but "
            "reads tensor 8 'grad.fc.weight', which is not (only one-element "
            "integers may be)");
  device = plan;
  device.tensors[11].shape = {2};
  EXPECT_EQ(message(validatePlan(device)),
            "instruction 8 'adamw_update': runs on the host (it touches "
            "tensor 13 'host_update.fc.weight.operand0', in host memory) but "
            "reads tensor 11 'step', which is not (only one-element integers "
            "may be)");
  // Its new parameter written straight into device memory.
  device = plan;
  device.instructions[8].results[0] = 0;
  EXPECT_EQ(message(validatePlan(device)),
            "instruction 8 'adamw_update': runs on the host (it touches "
            "tensor 13 'host_update.fc.weight.operand0', in host memory) but "
            "writes tensor 0 'fc.weight', which is not in host memory");
}

TEST(PlanValidationTest, SwappedStateOnlyThroughReloadAndOffload) {
  // exp_avg.fc.weight kept in a swap file: reloaded into an arena tensor,
  // updated there, offloaded.
  Plan plan = samplePlan();
  plan.tensors[4].storage = Storage::Swapped;
  plan.tensors.push_back(
      tensor("", DType::F32, {4, 8}, Storage::Arena, 320)); // 12
  plan.arenaBytes = 448;
  plan.instructions.back() =
      instruction("adamw_update", {0, 8, 12, 11}, {0, 12, 11},
                  {{"lr", 1e-3}, {"eps", 1e-8}, {"weight_decay", 0.01}});
  plan.instructions.insert(plan.instructions.end() - 1,
                           {instruction("reload", {4}, {12}),
                            instruction("reload_wait", {4}, {12})});
  plan.instructions.push_back(instruction("offload", {12}, {4}));
  plan.instructions.push_back(instruction("offload_wait", {12}, {4}));
  EXPECT_EQ(message(validatePlan(plan)), "");
  EXPECT_EQ(storedBytes(plan, Storage::Swapped), 128u);
  EXPECT_EQ(storageName(Storage::Swapped), "swap");
  // The same in host memory.
  Plan host = plan;
  host.tensors[4].storage = Storage::Host;
  EXPECT_EQ(message(validatePlan(host)), "");
  EXPECT_EQ(storageName(Storage::Host), "host");
  EXPECT_EQ(storedBytes(host, Storage::Host), 128u);
  // A kernel that touches host memory runs on the host: all of it there.
  host.instructions.push_back(instruction("neg", {4}, {12}));
  EXPECT_EQ(message(validatePlan(host)),
            "instruction 9 'neg': runs on the host (it touches tensor 4 "
            "'exp_avg.fc.weight', in host memory) but writes tensor 12, "
            "which is not in host memory");
  host.instructions.back() = instruction("neg", {12}, {4});
  EXPECT_EQ(message(validatePlan(host)),
            "instruction 9 'neg': runs on the host (it touches tensor 4 "
            "'exp_avg.fc.weight', in host memory) but reads tensor 12, "
            "which is not (only one-element integers may be)");
  // The plan file keeps the storage.
  auto decoded = decodePlan(encodePlan(plan), "swap.plan");
  ASSERT_TRUE(static_cast<bool>(decoded)) << message(decoded.takeError());
  EXPECT_EQ(decoded->tensors[4].storage, Storage::Swapped);

  // Any other kernel touching it has no memory to read.
  Plan touched = plan;
  touched.instructions.push_back(instruction("neg", {4}, {12}));
  EXPECT_EQ(message(validatePlan(touched)),
            "instruction 9 'neg': touches tensor 4 'exp_avg.fc.weight', "
            "which is in a swap file (only reload, offload and their waits "
            "may)");
  // A reload into another swapped tensor, or of a tensor in memory.
  Plan wrong = plan;
  wrong.instructions[4] = instruction("reload", {12}, {4});
  EXPECT_EQ(
      message(validatePlan(wrong)),
      "instruction 4 'reload': reads an offloaded tensor from or to memory: "
      "operand and result must be one of each");
  wrong.instructions[4] = instruction("reload", {4}, {9});
  EXPECT_EQ(message(validatePlan(wrong)),
            "instruction 4 'reload': the offloaded tensor and the tensor in "
            "memory differ in type");

  // Each transfer ends at its wait, and nothing uses its memory between.
  auto failure = [&](auto change) {
    Plan changed = plan;
    change(changed.instructions);
    return message(validatePlan(changed));
  };
  using Instructions = std::vector<Instruction>;
  EXPECT_EQ(failure([](Instructions &insts) { insts.pop_back(); }),
            "instruction 7 'offload': the transfer of tensor 4 "
            "'exp_avg.fc.weight' is never waited for (reload_wait or "
            "offload_wait)");
  EXPECT_EQ(
      failure([](Instructions &insts) { insts.erase(insts.begin() + 4); }),
      "instruction 4 'reload_wait': waits for a read of tensor 4 "
      "'exp_avg.fc.weight' that no earlier instruction started");
  // The update uses the reloaded bytes before the read is over.
  EXPECT_EQ(failure([](Instructions &insts) { std::swap(insts[5], insts[6]); }),
            "instruction 5 'adamw_update': writes the memory of tensor 12, "
            "which the transfer of tensor 4 'exp_avg.fc.weight' started at "
            "instruction 4 is still using");
  // A tensor sharing the offloaded bytes is written before the write is
  // over; reading them is fine.
  plan.tensors.push_back(
      tensor("", DType::F32, {4}, Storage::Arena, 384)); // 13, inside 12
  EXPECT_EQ(failure([](Instructions &insts) {
              insts.insert(insts.end() - 1, instruction("neg", {13}, {9}));
            }),
            "");
  EXPECT_EQ(failure([](Instructions &insts) {
              insts.insert(insts.end() - 1, instruction("neg", {9}, {13}));
            }),
            "instruction 8 'neg': writes the memory of tensor 12, which the "
            "transfer of tensor 4 'exp_avg.fc.weight' started at instruction "
            "7 is still using");
  // Another tensor's reload into bytes the offload is still writing out.
  plan.tensors.push_back(tensor("exp_avg_sq.fc.weight", DType::F32, {4, 8},
                                Storage::Swapped)); // 14
  EXPECT_EQ(failure([](Instructions &insts) {
              insts.insert(insts.end() - 1, instruction("reload", {14}, {12}));
              insts.push_back(instruction("reload_wait", {14}, {12}));
            }),
            "instruction 8 'reload': uses the memory of tensor 12, which the "
            "transfer of tensor 4 'exp_avg.fc.weight' started at instruction "
            "7 is still using");
  // Two writes from the same bytes are fine.
  EXPECT_EQ(failure([](Instructions &insts) {
              insts.insert(insts.end() - 1, instruction("offload", {12}, {14}));
              insts.push_back(instruction("offload_wait", {12}, {14}));
            }),
            "");
  // A second transfer of the file while one is in flight.
  EXPECT_EQ(failure([](Instructions &insts) {
              insts.insert(insts.begin() + 5, instruction("reload", {4}, {12}));
            }),
            "instruction 5 'reload': starts a transfer of tensor 4 "
            "'exp_avg.fc.weight' while the one instruction 4 started is in "
            "flight");
}

TEST(PlanValidationTest, AcceptsEdgeCases) {
  Plan plan = samplePlan();
  // Names are unique per storage class only.
  plan.tensors[11].name = "x";
  // Arena and constant tensors may share names or have none.
  plan.tensors[9].name = "h";
  plan.tensors[5].name = "";
  // A tensor that ends exactly at the end of the arena or constants.
  plan.arenaBytes = 288;
  // Alignment 1 is a power of two.
  plan.arenaAlignment = 1;
  plan.tensors[7].offset = 3;
  // An in-place update of a parameter and a state tensor.
  plan.instructions.push_back(instruction("scale", {0}, {0, 4}));
  // Axes of size 1, an input split along its last dimension only, an input
  // with every entry -1.
  plan.mesh = {{"dp", 1}, {"sp", 1}, {"tp", 4}};
  plan.tensors[2].shardAxes = {-1, 1};
  plan.tensors[3].shardAxes = {-1};
  // No data at all along a split dimension; a data shape equal to the
  // global shape, which need not be split.
  plan.tensors[2].dataShape = {2, 0};
  plan.tensors[3].dataShape = {2};
  EXPECT_EQ(message(validatePlan(plan)), "");
  // No mesh and no split inputs: one rank.
  plan.mesh.clear();
  plan.tensors[2].shardAxes.clear();
  plan.tensors[3].shardAxes.clear();
  plan.tensors[2].dataShape.clear();
  EXPECT_EQ(message(validatePlan(plan)), "");
  // A padded split dimension whose global size overflows int64_t.
  plan.mesh = {{"dp", 4}};
  plan.tensors[3].shape = {int64_t(1) << 62};
  plan.tensors[3].shardAxes = {0};
  plan.tensors[3].dataShape = {std::numeric_limits<int64_t>::max()};
  plan.tensors[3].dtype = DType::U8;
  EXPECT_EQ(message(validatePlan(plan)), "");
}

struct ValidationCase {
  const char *label;
  std::function<void(Plan &)> mutate;
  const char *expected;
};

TEST(PlanValidationTest, RejectsEveryRule) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  std::vector<ValidationCase> cases = {
      {"negative dim",
       [](Plan &p) {
         p.tensors[6].shape = {2, -8};
       },
       "tensor 6 'h': negative dimension -8 in shape f32[2,-8]"},
      {"element overflow",
       [](Plan &p) {
         p.tensors[9].shape = {int64_t(1) << 40, int64_t(1) << 40};
       },
       "tensor 9: byte size of f32[1099511627776,1099511627776] overflows"},
      {"byte overflow",
       [](Plan &p) {
         p.tensors[9].dtype = DType::F64;
         p.tensors[9].shape = {int64_t(1) << 62};
       },
       "tensor 9: byte size of f64[4611686018427387904] overflows"},
      {"unknown dtype",
       [](Plan &p) { p.tensors[6].dtype = static_cast<DType>(200); },
       "tensor 6 'h': unknown dtype 200"},
      {"unknown storage",
       [](Plan &p) { p.tensors[6].storage = static_cast<Storage>(9); },
       "tensor 6 'h': unknown storage 9"},
      {"alignment not a power of two", [](Plan &p) { p.arenaAlignment = 48; },
       "arena alignment 48 is not a power of two"},
      {"alignment zero", [](Plan &p) { p.arenaAlignment = 0; },
       "arena alignment 0 is not a power of two"},
      {"misaligned arena offset", [](Plan &p) { p.tensors[7].offset = 68; },
       "tensor 7 'loss': arena offset 68 is not a multiple of the alignment "
       "64"},
      {"arena overrun", [](Plan &p) { p.arenaBytes = 280; },
       "tensor 9: arena bytes [256, +32) exceed the arena (280 bytes)"},
      {"arena offset wraps around",
       [kMax](Plan &p) { p.tensors[9].offset = kMax - 63; },
       "tensor 9: arena bytes [18446744073709551552, +32) exceed the arena"},
      {"constant overrun", [](Plan &p) { p.constants.resize(39); },
       "tensor 10: constant bytes [32, +8) exceed the constant section (39 "
       "bytes)"},
      {"constant offset wraps around",
       [kMax](Plan &p) { p.tensors[10].offset = kMax - 3; },
       "tensor 10: constant bytes [18446744073709551612, +8) exceed"},
      {"unnamed parameter", [](Plan &p) { p.tensors[1].name = ""; },
       "tensor 1: param tensors need a name"},
      {"unnamed state", [](Plan &p) { p.tensors[11].name = ""; },
       "tensor 11: state tensors need a name"},
      {"unnamed input", [](Plan &p) { p.tensors[3].name = ""; },
       "tensor 3: input tensors need a name"},
      {"parameter with an offset", [](Plan &p) { p.tensors[0].offset = 8; },
       "tensor 0 'fc.weight': param tensors have offset 0, got 8"},
      {"duplicate parameter", [](Plan &p) { p.tensors[1].name = "fc.weight"; },
       "tensor 1 'fc.weight': duplicate param name"},
      {"duplicate state",
       [](Plan &p) { p.tensors[11].name = p.tensors[4].name; },
       "tensor 11 'exp_avg.fc.weight': duplicate state name"},
      {"duplicate input", [](Plan &p) { p.tensors[3].name = "x"; },
       "tensor 3 'x': duplicate input name"},
      {"operand out of range",
       [](Plan &p) { p.instructions[1].operands[1] = 12; },
       "instruction 1 'add': operand 1 is tensor 12, but the plan has 12 "
       "tensors"},
      {"result out of range",
       [](Plan &p) { p.instructions[3].results[1] = 99; },
       "instruction 3 'linear_grad': result 1 is tensor 99, but the plan has "
       "12 tensors"},
      {"empty kernel", [](Plan &p) { p.instructions[2].kernel = ""; },
       "instruction 2 '': empty kernel name"},
      {"result is a constant",
       [](Plan &p) { p.instructions[1].results[0] = 5; },
       "instruction 1 'add': result 0 writes tensor 5 'bias_init', which is "
       "const (read-only)"},
      {"result is an input", [](Plan &p) { p.instructions[4].results[2] = 2; },
       "instruction 4 'adamw_update': result 2 writes tensor 2 'x', which is "
       "input (read-only)"},
      {"empty attribute name",
       [](Plan &p) { p.instructions[0].attrs[""] = int64_t(1); },
       "instruction 0 'linear': attribute with an empty name"},
      {"loss out of range", [](Plan &p) { p.loss = 12; },
       "loss is tensor 12, but the plan has 12 tensors"},
      {"loss not 0-d", [](Plan &p) { p.loss = 6; },
       "tensor 6 'h': the loss must be a 0-d float tensor, got f32[2,8]"},
      {"loss not float", [](Plan &p) { p.loss = 11; },
       "tensor 11 'step': the loss must be a 0-d float tensor, got i64[]"},
      {"empty plan has no loss", [](Plan &p) { p = Plan(); },
       "loss is tensor 0, but the plan has 0 tensors"},
      {"gradient of a non-parameter", [](Plan &p) { p.gradients[0].first = 4; },
       "gradient 0: tensor 4 'exp_avg.fc.weight' is state, not a parameter"},
      {"gradient out of range", [](Plan &p) { p.gradients[1].second = 40; },
       "gradient 1: tensor 40 out of range (the plan has 12 tensors)"},
      {"gradient dtype", [](Plan &p) { p.tensors[9].dtype = DType::BF16; },
       "gradient 1: tensor 9 is bf16[8] but tensor 1 'fc.bias' is f32[8]"},
      {"gradient shape", [](Plan &p) { p.gradients[1].second = 6; },
       "gradient 1: tensor 6 'h' is f32[2,8] but tensor 1 'fc.bias' is f32[8] "
       "(a piece on 6 ranks is f32[2])"},
      {"gradient piece size", [](Plan &p) { p.tensors[9].shape = {3}; },
       "gradient 1: tensor 9 is f32[3] but tensor 1 'fc.bias' is f32[8] (a "
       "piece on 6 ranks is f32[2])"},
      {"two gradients",
       [](Plan &p) {
         p.gradients.push_back({0, 8});
       },
       "gradient 2: tensor 0 'fc.weight' has two gradients"},
      {"empty metadata key", [](Plan &p) { p.metadata[""] = "v"; },
       "metadata entry with an empty key"},
      {"unnamed mesh axis", [](Plan &p) { p.mesh[1].first = ""; },
       "mesh axis 1: empty name"},
      {"duplicate mesh axis", [](Plan &p) { p.mesh[1].first = "dp"; },
       "mesh axis 1: duplicate name 'dp'"},
      {"mesh axis of size 0", [](Plan &p) { p.mesh[0].second = 0; },
       "mesh axis 0: 'dp' has size 0, expected at least 1"},
      {"negative mesh axis", [](Plan &p) { p.mesh[1].second = -2; },
       "mesh axis 1: 'sp' has size -2, expected at least 1"},
      {"too many ranks",
       [](Plan &p) {
         p.mesh = {{"dp", 65536}, {"sp", 65536}};
       },
       "mesh axis 1: the mesh has more than 2^31-1 ranks"},
      {"split parameter",
       [](Plan &p) {
         p.tensors[0].shardAxes = {0, -1};
       },
       "tensor 0 'fc.weight': only input tensors can be split over the mesh, "
       "this one is param"},
      {"split arena tensor",
       [](Plan &p) {
         p.tensors[6].shardAxes = {-1, -1};
       },
       "tensor 6 'h': only input tensors can be split over the mesh, this one "
       "is arena"},
      {"shard axes of another rank",
       [](Plan &p) { p.tensors[2].shardAxes = {0}; },
       "tensor 2 'x': shard axes have 1 entries for rank 2"},
      {"shard axis out of range",
       [](Plan &p) {
         p.tensors[2].shardAxes = {-1, 2};
       },
       "tensor 2 'x': dimension 1 is split over mesh axis 2, but the mesh has "
       "2 axes"},
      {"shard axis below -1", [](Plan &p) { p.tensors[3].shardAxes = {-2}; },
       "tensor 3 'labels': dimension 0 is split over mesh axis -2"},
      {"shard axis without a mesh", [](Plan &p) { p.mesh.clear(); },
       "tensor 2 'x': dimension 0 is split over mesh axis 0, but the mesh has "
       "0 axes"},
      {"one axis splits two dimensions",
       [](Plan &p) {
         p.tensors[2].shardAxes = {1, 1};
       },
       "tensor 2 'x': mesh axis 'sp' splits two dimensions"},
      {"instruction deleted",
       [](Plan &p) { p.instructions.erase(p.instructions.begin()); },
       "instruction 0 'add': operand 0 reads tensor 6 'h', which no earlier "
       "instruction writes"},
      {"instructions reordered",
       [](Plan &p) { std::swap(p.instructions[2], p.instructions[3]); },
       "instruction 2 'linear_grad': operand 0 reads tensor 7 'loss', which "
       "no earlier instruction writes"},
      {"loss never written", [](Plan &p) { p.instructions.resize(2); },
       "tensor 7 'loss': the loss is never written by an instruction"},
      {"valid range of a float input",
       [](Plan &p) {
         p.tensors[2].validRange = {0, 4};
       },
       "tensor 2 'x': only integer inputs can have a valid range"},
      {"valid range of a parameter",
       [](Plan &p) {
         p.tensors[0].validRange = {0, 4};
       },
       "tensor 0 'fc.weight': only integer inputs can have a valid range"},
      {"empty-ended valid range",
       [](Plan &p) {
         p.tensors[3].validRange = {5, 4};
       },
       "tensor 3 'labels': valid range must be [lo, hi] or [lo, hi, also] "
       "with lo <= hi"},
      {"valid range of one entry",
       [](Plan &p) { p.tensors[3].validRange = {5}; },
       "tensor 3 'labels': valid range must be [lo, hi] or [lo, hi, also] "
       "with lo <= hi"},
      {"data shape of a parameter that is no piece of it",
       [](Plan &p) {
         p.tensors[0].dataShape = {4, 8};
       },
       "tensor 0 'fc.weight': is a piece of f32[4,8] on 6 ranks, so it must "
       "have shape [6]"},
      {"data shape of the state",
       [](Plan &p) {
         for (TensorDesc &t : p.tensors)
           if (t.storage == Storage::State)
             t.dataShape = {4};
       },
       "only inputs, parameters and their copies can have a data"},
      {"data shape of another rank",
       [](Plan &p) { p.tensors[2].dataShape = {3}; },
       "tensor 2 'x': data shape has 1 entries for rank 2"},
      {"negative data size", [](Plan &p) { p.tensors[3].dataShape = {-1}; },
       "tensor 3 'labels': data shape dimension 0 is -1, negative"},
      {"data beyond the padded size",
       [](Plan &p) { p.tensors[3].dataShape = {5}; },
       "tensor 3 'labels': data shape dimension 0 is 5, beyond the padded "
       "global size 4"},
      {"padded dimension that is not split",
       [](Plan &p) {
         p.tensors[2].dataShape = {4, 3};
       },
       "tensor 2 'x': data shape dimension 1 is 3, but only a dimension split "
       "over the mesh can be padded and this one has size 4"},
      {"padded input that is not split",
       [](Plan &p) { p.tensors[3].shardAxes.clear(); },
       "tensor 3 'labels': data shape dimension 0 is 3, but only a dimension "
       "split over the mesh can be padded and this one has size 2"},
  };
  for (const ValidationCase &c : cases) {
    SCOPED_TRACE(c.label);
    Plan plan = samplePlan();
    c.mutate(plan);
    std::string text = message(validatePlan(plan));
    EXPECT_TRUE(contains(text, c.expected)) << text;

    // readPlan runs the same checks on a file that decodes.
    std::string decoded = decodeError(encodePlan(plan));
    EXPECT_TRUE(StringRef(decoded).starts_with("bad.plan: ")) << decoded;
    // The decoder rejects unknown enum values before validation does.
    if (StringRef(c.label) != "unknown dtype" &&
        StringRef(c.label) != "unknown storage") {
      EXPECT_TRUE(contains(decoded, c.expected)) << decoded;
    }
  }
}

//===----------------------------------------------------------------------===//
// The file format
//===----------------------------------------------------------------------===//

class PlanFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("dsc-plan", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string pathTo(StringRef name) const {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  }

  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
         it.increment(ec))
      names.push_back(llvm::sys::path::filename(it->path()).str());
    return names;
  }

  void writeRaw(StringRef path, StringRef bytes) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << bytes;
  }

  std::string readRaw(StringRef path) const {
    auto buffer = llvm::MemoryBuffer::getFile(path);
    return buffer ? (*buffer)->getBuffer().str() : std::string();
  }

  llvm::SmallString<128> dir;
};

TEST_F(PlanFileTest, RoundTrip) {
  Plan plan = samplePlan();
  plan.instructions[4].attrs["nan"] = std::numeric_limits<double>::quiet_NaN();
  plan.instructions[4].attrs["empty_list"] = std::vector<int64_t>{};
  plan.instructions[4].attrs["empty_string"] = std::string();
  plan.metadata["unicode"] = "h\xC3\xA9llo\n\"quoted\"";
  std::string path = pathTo("step.plan");
  ASSERT_EQ(message(writePlan(plan, path)), "");
  EXPECT_EQ(listDir(), std::vector<std::string>{"step.plan"});

  llvm::Expected<Plan> read = readPlan(path);
  ASSERT_TRUE(succeeded(read));
  EXPECT_EQ(read->arenaBytes, 320u);
  EXPECT_EQ(read->arenaAlignment, 64u);
  EXPECT_EQ(read->mesh, plan.mesh);
  ASSERT_EQ(read->tensors.size(), plan.tensors.size());
  for (size_t i = 0; i < plan.tensors.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(read->tensors[i].name, plan.tensors[i].name);
    EXPECT_EQ(read->tensors[i].dtype, plan.tensors[i].dtype);
    EXPECT_EQ(read->tensors[i].shape, plan.tensors[i].shape);
    EXPECT_EQ(read->tensors[i].storage, plan.tensors[i].storage);
    EXPECT_EQ(read->tensors[i].offset, plan.tensors[i].offset);
    EXPECT_EQ(read->tensors[i].shardAxes, plan.tensors[i].shardAxes);
    EXPECT_EQ(read->tensors[i].dataShape, plan.tensors[i].dataShape);
    EXPECT_EQ(read->tensors[i].validRange, plan.tensors[i].validRange);
  }
  EXPECT_EQ(read->tensors[3].dataShape, std::vector<int64_t>{3});
  EXPECT_EQ(read->tensors[3].validRange, (std::vector<int64_t>{0, 4, -100}));
  ASSERT_EQ(read->instructions.size(), plan.instructions.size());
  for (size_t i = 0; i < plan.instructions.size(); ++i) {
    SCOPED_TRACE(i);
    const Instruction &a = plan.instructions[i], &b = read->instructions[i];
    EXPECT_EQ(b.kernel, a.kernel);
    EXPECT_EQ(b.operands, a.operands);
    EXPECT_EQ(b.results, a.results);
    ASSERT_EQ(b.attrs.size(), a.attrs.size());
    for (const auto &[name, value] : a.attrs) {
      ASSERT_TRUE(b.has(name)) << name;
      const AttrValue &other = b.attrs.at(name);
      ASSERT_EQ(other.index(), value.index()) << name;
      if (name == "nan")
        EXPECT_TRUE(std::isnan(std::get<double>(other)));
      else
        EXPECT_TRUE(other == value) << name;
    }
  }
  const Instruction &ce = read->instructions[2];
  EXPECT_EQ(ce.getString("reduction"), "mean");
  EXPECT_EQ(ce.getInt("ignore_index"), -100);
  EXPECT_EQ(ce.getDouble("label_smoothing", 1.0), 0.0);
  EXPECT_EQ(ce.getInts("dims"), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(read->instructions[4].getDouble("eps"), 1e-8);

  EXPECT_EQ(read->constants, plan.constants);
  EXPECT_EQ(read->loss, 7u);
  EXPECT_EQ(read->gradients, plan.gradients);
  EXPECT_EQ(read->metadata, plan.metadata);

  // Encoding is deterministic: the read plan encodes to the same bytes.
  EXPECT_EQ(encodePlan(*read), readRaw(path));
}

TEST_F(PlanFileTest, HeaderLayout) {
  std::string bytes = encodePlan(samplePlan());
  ASSERT_GT(bytes.size(), kHeaderSize);
  EXPECT_EQ(StringRef(bytes).take_front(8), StringRef("DSCPLAN\0", 8));
  EXPECT_EQ(llvm::support::endian::read32le(&bytes[8]), kPlanVersion);
  EXPECT_EQ(llvm::support::endian::read32le(&bytes[12]), 0u);
  EXPECT_EQ(llvm::support::endian::read64le(&bytes[16]),
            bytes.size() - kHeaderSize);
  // The header's checksum is XXH3-64 of the payload.
  EXPECT_EQ(withHeader(StringRef(bytes).drop_front(kHeaderSize)), bytes);
}

TEST_F(PlanFileTest, ReadMissingFileNamesPath) {
  std::string path = pathTo("missing.plan");
  std::string text = message(readPlan(path));
  EXPECT_TRUE(StringRef(text).starts_with(path + ": cannot open")) << text;
}

TEST_F(PlanFileTest, RejectsBadMagic) {
  std::string path = pathTo("weights.safetensors");
  writeRaw(path, std::string(64, 'x'));
  EXPECT_EQ(message(readPlan(path)), path + ": not a dsc plan file");
  EXPECT_EQ(decodeError("hello"), "bad.plan: not a dsc plan file");

  std::string bytes = encodePlan(samplePlan());
  bytes[3] = 'p';
  EXPECT_EQ(decodeError(bytes), "bad.plan: not a dsc plan file");
}

TEST_F(PlanFileTest, SplatConstantsHoldOneElement) {
  // A constant of 2^40 ones takes 4 bytes in the plan, not 4 TiB.
  Plan plan = samplePlan();
  TensorDesc ones;
  ones.name = "ones";
  ones.dtype = DType::F32;
  ones.shape = {int64_t(1) << 40};
  ones.storage = Storage::Constant;
  ones.offset = 36;
  ones.splat = true;
  plan.tensors.push_back(ones);
  EXPECT_EQ(plan.tensors.back().storedBytes(), 4u);
  ASSERT_EQ(message(validatePlan(plan)), "");
  std::string bytes = encodePlan(plan);
  EXPECT_LT(bytes.size(), 4096u);
  auto read = decodePlan(bytes, "splat.plan");
  ASSERT_TRUE(succeeded(read));
  EXPECT_TRUE(read->tensors.back().splat);
  EXPECT_FALSE(read->tensors[5].splat);

  // Only constants are splats; a splat's element lies in the section.
  plan.tensors.back().offset = 40;
  EXPECT_EQ(message(validatePlan(plan)),
            "tensor 12 'ones': constant bytes [40, +4) exceed the constant "
            "section (40 bytes)");
  plan.tensors[2].splat = true;
  EXPECT_EQ(message(validatePlan(plan)),
            "tensor 2 'x': only constants can be splats, this one is input");
}

TEST_F(PlanFileTest, CopiesOfParametersStartAsTheirWeights) {
  // A master copy (-ds-host-updates): state loaded from a parameter's
  // weights entry, whole or as this rank's flat piece.
  Plan plan = samplePlan();
  plan.tensors[4].copyOf = "fc.weight";
  ASSERT_EQ(message(validatePlan(plan)), "");
  auto read = decodePlan(encodePlan(plan), "copy.plan");
  ASSERT_TRUE(succeeded(read));
  EXPECT_EQ(read->tensors[4].copyOf, "fc.weight");
  EXPECT_EQ(read->tensors[4].weightsName(), "fc.weight");
  EXPECT_EQ(read->loadedTensors(), (std::vector<uint32_t>{0, 1, 4}));
  EXPECT_EQ(read->parameterTensors(), (std::vector<uint32_t>{0, 1}));
  EXPECT_NE(dumpPlan(*read).find(
                "state f32[4,8] \"exp_avg.fc.weight\" copy of \"fc.weight\""),
            std::string::npos)
      << dumpPlan(*read);
  EXPECT_EQ(read->tensors[1].copyOf, "");

  // This rank's piece of ceil(32 / 6) = 6 elements.
  Plan piece = plan;
  piece.tensors[4].shape = {6};
  piece.tensors[4].dataShape = {4, 8};
  ASSERT_EQ(message(validatePlan(piece)), "");
  EXPECT_TRUE(piece.tensors[4].isLoadedPiece());
  EXPECT_EQ(piece.tensors[4].weightsShape(), (std::vector<int64_t>{4, 8}));
  piece.tensors[4].shape = {5};
  EXPECT_EQ(message(validatePlan(piece)),
            "tensor 4 'exp_avg.fc.weight': is a piece of f32[4,8] on 6 ranks, "
            "so it must have shape [6]");

  Plan unknown = plan;
  unknown.tensors[4].copyOf = "fc.wieght";
  EXPECT_EQ(message(validatePlan(unknown)),
            "tensor 4 'exp_avg.fc.weight': is a copy of 'fc.wieght', which is "
            "no parameter of the plan");
  Plan other = plan;
  other.tensors[4].copyOf = "fc.bias";
  EXPECT_EQ(message(validatePlan(other)),
            "tensor 4 'exp_avg.fc.weight': is a copy of tensor 1 'fc.bias' but "
            "has another dtype or whole shape");
  Plan integer = samplePlan();
  integer.tensors[11].copyOf = "fc.bias";
  EXPECT_EQ(message(validatePlan(integer)),
            "tensor 11 'step': only floating-point optimizer state can start "
            "as a copy of a parameter, this one is state");
  Plan input = samplePlan();
  input.tensors[2].copyOf = "fc.weight";
  EXPECT_NE(message(validatePlan(input))
                .find("only floating-point optimizer "
                      "state can start as a copy"),
            std::string::npos);
}

TEST_F(PlanFileTest, OffloadedParametersKeepTheirFlag) {
  // A parameter in a swap file is a parameter: named as the weights file
  // names it, with a gradient, unique among the parameters.
  Plan plan = samplePlan();
  // fc.bias, with no instruction reading it (only transfers may).
  uint32_t param = plan.gradients.back().first;
  plan.instructions[0].operands = {2, 0};
  plan.tensors[param].storage = Storage::Swapped;
  plan.tensors[param].parameter = true;
  ASSERT_EQ(message(validatePlan(plan)), "");
  auto read = decodePlan(encodePlan(plan), "param.plan");
  ASSERT_TRUE(succeeded(read));
  EXPECT_TRUE(read->tensors[param].parameter);
  EXPECT_TRUE(read->tensors[param].isParameter());
  EXPECT_EQ(read->parameterTensors(), plan.parameterTensors());
  EXPECT_TRUE(llvm::is_contained(plan.parameterTensors(), param));

  // Its new value is written after every read of the old one.
  Plan rereads = plan;
  rereads.instructions.push_back(instruction("offload", {9}, {param}));
  rereads.instructions.push_back(instruction("offload_wait", {9}, {param}));
  ASSERT_EQ(message(validatePlan(rereads)), "");
  rereads.instructions.push_back(instruction("reload", {param}, {9}));
  rereads.instructions.push_back(instruction("reload_wait", {param}, {9}));
  EXPECT_EQ(message(validatePlan(rereads)),
            "instruction 7 'reload': reads tensor 1 'fc.bias' after "
            "instruction 5 wrote its new value");
  // Without the flag the gradient has no parameter.
  plan.tensors[param].parameter = false;
  EXPECT_NE(message(validatePlan(plan)).find("not a parameter"),
            std::string::npos);
  // Only offloaded tensors carry it.
  plan.tensors[param].parameter = true;
  plan.tensors[2].parameter = true;
  EXPECT_EQ(message(validatePlan(plan)),
            "tensor 2 'x': only offloaded tensors (swap, host) carry the "
            "parameter flag, this one is input");
  plan.tensors[2].parameter = false;
  // An offloaded parameter and one in memory cannot share a name.
  TensorDesc twin = plan.tensors[param];
  twin.storage = Storage::Parameter;
  twin.parameter = false;
  plan.tensors.push_back(twin);
  EXPECT_NE(message(validatePlan(plan)).find("duplicate"), std::string::npos);
}

TEST_F(PlanFileTest, RejectsOtherVersion) {
  static_assert(kPlanVersion == 12, "update this test and the format docs");
  // Version 11 had no attention fill, version 10 no attention sinks, version 9
  // no soft-capped attention and no bias gradient, version 8 no copies of
  // parameters, version 7 no offloaded parameters, version 6 no splat
  // constants, version 5 no valid ranges, version 4 an FNV-1a checksum and
  // layer_norm's operand_segment_sizes, version 3 no attention bias, window or
  // key length, version 2 no data shapes, version 1 no mesh and no shard axes.
  std::string bytes = encodePlan(samplePlan());
  llvm::support::endian::write32le(&bytes[8], 4);
  std::string path = pathTo("old.plan");
  writeRaw(path, bytes);
  EXPECT_EQ(message(readPlan(path)),
            path + ": plan version 4, this runtime reads version 12; recompile "
                   "with ds-compile");
  llvm::support::endian::write32le(&bytes[8], 1);
  EXPECT_EQ(decodeError(bytes), "bad.plan: plan version 1, this runtime reads "
                                "version 12; recompile with ds-compile");
  llvm::support::endian::write32le(&bytes[8], 6);
  EXPECT_EQ(decodeError(bytes), "bad.plan: plan version 6, this runtime reads "
                                "version 12; recompile with ds-compile");
  llvm::support::endian::write32le(&bytes[8], 7);
  EXPECT_EQ(decodeError(bytes), "bad.plan: plan version 7, this runtime reads "
                                "version 12; recompile with ds-compile");
  llvm::support::endian::write32le(&bytes[8], 8);
  EXPECT_EQ(decodeError(bytes), "bad.plan: plan version 8, this runtime reads "
                                "version 12; recompile with ds-compile");
  llvm::support::endian::write32le(&bytes[8], 9);
  EXPECT_EQ(decodeError(bytes), "bad.plan: plan version 9, this runtime reads "
                                "version 12; recompile with ds-compile");
}

TEST_F(PlanFileTest, RejectsNonZeroReserved) {
  std::string bytes = encodePlan(samplePlan());
  bytes[12] = 1;
  EXPECT_EQ(decodeError(bytes),
            "bad.plan: corrupt: reserved header field is 1, expected 0");
}

TEST_F(PlanFileTest, RejectsEveryTruncation) {
  std::string bytes = encodePlan(samplePlan());
  ASSERT_EQ(decodeError(bytes), "");
  for (size_t size = 0; size < bytes.size(); ++size) {
    SCOPED_TRACE(size);
    std::string text = decodeError(StringRef(bytes).take_front(size));
    EXPECT_TRUE(StringRef(text).starts_with("bad.plan: truncated")) << text;
  }
  // The same through a file.
  std::string path = pathTo("cut.plan");
  writeRaw(path, StringRef(bytes).drop_back(1));
  std::string text = message(readPlan(path));
  EXPECT_TRUE(StringRef(text).starts_with(path + ": truncated")) << text;
}

TEST_F(PlanFileTest, ChecksumCatchesEveryByteFlip) {
  std::string bytes = encodePlan(samplePlan());
  for (size_t i = kHeaderSize; i < bytes.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      SCOPED_TRACE(testing::Message() << "offset " << i << " mask " << +mask);
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ mask);
      EXPECT_EQ(decodeError(flipped), "bad.plan: corrupt: checksum mismatch");
    }
  }
  // A flip in the header is caught too, by some check.
  for (size_t i = 0; i < kHeaderSize; ++i) {
    SCOPED_TRACE(i);
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_TRUE(StringRef(decodeError(flipped)).starts_with("bad.plan: "));
  }
}

TEST_F(PlanFileTest, SurvivesHostilePayloadsWithValidChecksums) {
  // Rewrite every payload byte and fix the checksum, so that the decoder and
  // the validator see the damage: each result is a plan or an error naming
  // the file, never a crash or a huge allocation.
  std::string payload = encodePlan(samplePlan()).substr(kHeaderSize);
  size_t decoded = 0;
  for (size_t i = 0; i < payload.size(); ++i) {
    for (unsigned char value : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string changed = payload;
      changed[i] = static_cast<char>(value);
      llvm::Expected<Plan> plan = decodePlan(withHeader(changed), "bad.plan");
      if (plan) {
        ++decoded;
        EXPECT_EQ(message(validatePlan(*plan)), "");
        continue;
      }
      std::string text = llvm::toString(plan.takeError());
      EXPECT_TRUE(StringRef(text).starts_with("bad.plan: ")) << text;
    }
  }
  // Some changes (a name's letter, a constant byte) leave a valid plan.
  EXPECT_GT(decoded, 0u);
}

TEST_F(PlanFileTest, RejectsTrailingBytes) {
  std::string bytes = encodePlan(samplePlan());
  EXPECT_EQ(decodeError(bytes + "x"),
            "bad.plan: corrupt: 1 trailing bytes after the payload");

  // Bytes after the metadata that the header and checksum cover.
  std::string payload = bytes.substr(kHeaderSize) + "xyz";
  std::string text = decodeError(withHeader(payload));
  EXPECT_TRUE(contains(text, "corrupt: 3 trailing bytes after the metadata"))
      << text;
}

/// The payload of a plan with no tensors, up to the tensor count.
std::string payloadPrefix() {
  std::string payload;
  putU64(payload, 0);  // arenaBytes
  putU64(payload, 64); // arenaAlignment
  putU64(payload, 0);  // mesh axes
  return payload;
}

TEST_F(PlanFileTest, RejectsHugeCountsWithoutAllocating) {
  for (uint64_t count :
       {uint64_t(1) << 60, std::numeric_limits<uint64_t>::max(),
        uint64_t(1000)}) {
    SCOPED_TRACE(count);
    // A tensor count.
    std::string payload = payloadPrefix();
    putU64(payload, count);
    std::string text = decodeError(withHeader(payload));
    EXPECT_TRUE(contains(text, "bad.plan: corrupt: tensor count " +
                                   std::to_string(count)))
        << text;

    // A string length.
    payload = payloadPrefix();
    putU64(payload, 1);
    putU64(payload, count);
    payload.append(40, '\0');
    text = decodeError(withHeader(payload));
    EXPECT_TRUE(contains(text, "corrupt: tensor 0 name needs " +
                                   std::to_string(count) + " bytes"))
        << text;

    // The constant section size, after empty tensor and instruction lists.
    payload = payloadPrefix();
    putU64(payload, 0);
    putU64(payload, 0);
    putU64(payload, count);
    payload.append(16, '\0');
    text = decodeError(withHeader(payload));
    EXPECT_TRUE(contains(text, "corrupt: constants needs")) << text;

    // A mesh axis count and a mesh axis name length.
    payload.clear();
    putU64(payload, 0);
    putU64(payload, 64);
    putU64(payload, count);
    payload.append(40, '\0');
    text = decodeError(withHeader(payload));
    EXPECT_TRUE(contains(text, "bad.plan: corrupt: mesh axis count " +
                                   std::to_string(count)))
        << text;
    payload.clear();
    putU64(payload, 0);
    putU64(payload, 64);
    putU64(payload, 1);
    putU64(payload, count);
    payload.append(40, '\0');
    text = decodeError(withHeader(payload));
    EXPECT_TRUE(contains(text, "corrupt: mesh axis name needs " +
                                   std::to_string(count) + " bytes"))
        << text;

    // A shard axis count, after a tensor's offset.
    payload = payloadPrefix();
    putU64(payload, 1);
    putU64(payload, 0);              // name
    payload += '\x01';               // dtype
    payload += std::string(4, '\0'); // rank 0
    payload += '\x03';               // storage: input
    putU64(payload, 0);              // offset
    putU64(payload, count);
    payload.append(40, '\0');
    text = decodeError(withHeader(payload));
    EXPECT_TRUE(contains(text, "corrupt: tensor 0 shard axis count " +
                                   std::to_string(count)))
        << text;

    // A data shape count, after an empty list of shard axes.
    payload = payloadPrefix();
    putU64(payload, 1);
    putU64(payload, 0);              // name
    payload += '\x01';               // dtype
    payload += std::string(4, '\0'); // rank 0
    payload += '\x03';               // storage: input
    putU64(payload, 0);              // offset
    putU64(payload, 0);              // shard axes
    putU64(payload, count);
    payload.append(40, '\0');
    text = decodeError(withHeader(payload));
    EXPECT_TRUE(contains(text, "corrupt: tensor 0 data shape count " +
                                   std::to_string(count)))
        << text;
  }

  // A rank beyond the bytes left.
  std::string payload = payloadPrefix();
  putU64(payload, 1);
  putU64(payload, 0);                            // name
  payload += '\x01';                             // dtype
  payload += std::string("\xff\xff\xff\x7f", 4); // rank
  payload.append(40, '\0');
  std::string text = decodeError(withHeader(payload));
  EXPECT_TRUE(contains(text, "corrupt: tensor 0: rank 2147483647 exceeds"))
      << text;
}

TEST_F(PlanFileTest, RejectsUnknownTags) {
  Plan plan = samplePlan();
  plan.tensors[6].dtype = static_cast<DType>(200);
  std::string text = decodeError(encodePlan(plan));
  EXPECT_TRUE(contains(text, "corrupt: tensor 6: unknown dtype tag 200"))
      << text;

  plan = samplePlan();
  plan.tensors[6].storage = static_cast<Storage>(7);
  text = decodeError(encodePlan(plan));
  EXPECT_TRUE(contains(text, "corrupt: tensor 6: unknown storage tag 7"))
      << text;

  // The attribute tag follows the (unique) attribute name in the payload.
  plan = samplePlan();
  std::string payload = encodePlan(plan).substr(kHeaderSize);
  size_t at = payload.find("transpose_rhs");
  ASSERT_NE(at, std::string::npos);
  payload[at + strlen("transpose_rhs")] = 7;
  text = decodeError(withHeader(payload));
  EXPECT_TRUE(contains(text, "corrupt: instruction 0 attribute "
                             "'transpose_rhs': unknown tag 7"))
      << text;
}

TEST_F(PlanFileTest, RejectsDuplicateKeys) {
  Plan plan = samplePlan();
  plan.instructions[1].attrs = {{"attr_one", int64_t(1)},
                                {"attr_two", int64_t(2)}};
  std::string payload = encodePlan(plan).substr(kHeaderSize);
  size_t at = payload.find("attr_two");
  ASSERT_NE(at, std::string::npos);
  payload.replace(at, 8, "attr_one");
  std::string text = decodeError(withHeader(payload));
  EXPECT_TRUE(
      contains(text, "corrupt: instruction 1: duplicate attribute 'attr_one'"))
      << text;

  plan = samplePlan();
  plan.metadata = {{"key_one", "1"}, {"key_two", "2"}};
  payload = encodePlan(plan).substr(kHeaderSize);
  at = payload.find("key_two");
  ASSERT_NE(at, std::string::npos);
  payload.replace(at, 7, "key_one");
  text = decodeError(withHeader(payload));
  EXPECT_TRUE(contains(text, "corrupt: duplicate metadata key 'key_one'"))
      << text;
}

TEST_F(PlanFileTest, WriteRejectsInvalidPlan) {
  Plan plan = samplePlan();
  plan.loss = 100;
  std::string path = pathTo("bad.plan");
  EXPECT_EQ(message(writePlan(plan, path)),
            path + ": invalid plan: loss is tensor 100, but the plan has 12 "
                   "tensors");
  EXPECT_TRUE(listDir().empty());
}

TEST_F(PlanFileTest, WriteIntoMissingDirectoryFailsCleanly) {
  std::string path = pathTo("no/such/dir/step.plan");
  std::string text = message(writePlan(samplePlan(), path));
  EXPECT_TRUE(StringRef(text).starts_with(path + ": ")) << text;
  EXPECT_FALSE(llvm::sys::fs::exists(path));
  EXPECT_TRUE(listDir().empty());
}

TEST_F(PlanFileTest, WriteReplacesExistingFile) {
  std::string path = pathTo("step.plan");
  ASSERT_EQ(message(writePlan(samplePlan(), path)), "");
  Plan second = samplePlan();
  second.metadata["run"] = "2";
  ASSERT_EQ(message(writePlan(second, path)), "");
  EXPECT_EQ(listDir(), std::vector<std::string>{"step.plan"});
  llvm::Expected<Plan> read = readPlan(path);
  ASSERT_TRUE(succeeded(read));
  EXPECT_EQ(read->metadata.at("run"), "2");
}

//===----------------------------------------------------------------------===//
// dumpPlan
//===----------------------------------------------------------------------===//

TEST(PlanDumpTest, ListsEverything) {
  std::string text = dumpPlan(samplePlan());
  llvm::SmallVector<StringRef> lines;
  StringRef(text).split(lines, '\n');
  auto hasLine = [&](StringRef line) {
    return llvm::is_contained(lines, line);
  };
  const char *expected[] = {
      "plan: arena 320 bytes, alignment 64",
      "  12 tensors, 5 instructions, 40 constant bytes, 2 gradients",
      "  model = \"mlp.pt\"",
      "  optimizer = \"adamw\"",
      "tensors:",
      "  %t0 = param f32[4,8] \"fc.weight\"",
      "  mesh = [\"dp\" = 2, \"sp\" = 3]",
      "  %t2 = input f32[2,4] \"x\" split[dp, -]",
      "  %t3 = input i64[2] \"labels\" split[dp] data[3] values [0, 4) or -100",
      "  %t4 = state f32[4,8] \"exp_avg.fc.weight\"",
      "  %t5 = const[offset=0] f32[8] \"bias_init\"",
      "  %t7 = arena[offset=64] f32[] \"loss\"",
      "  %t9 = arena[offset=256] f32[8]",
      "  %t10 = const[offset=32] i64[1]",
      "instructions:",
      "  0: linear(%t2, %t0, %t1) -> (%t6) {transpose_rhs = 1}",
      "  1: add(%t6, %t5) -> (%t6)",
      "  2: cross_entropy(%t6, %t3) -> (%t7) {dims = [0, 1], ignore_index = "
      "-100, label_smoothing = 0.0, reduction = \"mean\"}",
      "  3: linear_grad(%t7, %t2, %t0) -> (%t8, %t9)",
      "  4: adamw_update(%t0, %t8, %t4, %t11) -> (%t0, %t4, %t11) {eps = "
      "1e-08, lr = 0.001, weight_decay = 0.01}",
      "gradients:",
      "  %t0 <- %t8",
      "  %t1 <- %t9",
      "loss: %t7",
  };
  for (const char *line : expected)
    EXPECT_TRUE(hasLine(line)) << "missing line: " << line << "\nin:\n" << text;
}

TEST(PlanDumpTest, EscapesStringsAndKeepsDoublesDistinct) {
  Plan plan = samplePlan();
  plan.tensors[6].name = "a\"b\\c\nd\x01\xC3\xA9";
  plan.instructions[1].attrs = {{"x", 2.0}, {"y", int64_t(2)}, {"z", 1e300}};
  std::string text = dumpPlan(plan);
  EXPECT_TRUE(contains(text, "%t6 = arena[offset=0] f32[2,8] "
                             R"("a\"b\\c\nd\x01)"
                             "\xC3\xA9\""))
      << text;
  EXPECT_TRUE(contains(text, "{x = 2.0, y = 2, z = 1e+300}")) << text;
}

/// A step whose arena reuses bytes, holds a bucket written by a collective
/// and a gradient that is a view of it:
///   0: a = neg(x)   1: b = neg(a)   2: c = neg(b) (c reuses a's bytes)
///   3: loss = sum(c)   4: bucket = all_reduce(c)   5: w = sgd_update(w, g)
Plan memoryPlan() {
  Plan plan;
  plan.arenaBytes = 256;
  plan.mesh = {{"dp", 2}};
  plan.tensors = {
      tensor("w", DType::F32, {4}, Storage::Parameter),       // 0
      tensor("x", DType::F32, {4}, Storage::Input),           // 1
      tensor("a", DType::F32, {4}, Storage::Arena, 0),        // 2
      tensor("b", DType::F32, {4}, Storage::Arena, 64),       // 3
      tensor("c", DType::F32, {4}, Storage::Arena, 0),        // 4
      tensor("loss", DType::F32, {}, Storage::Arena, 128),    // 5
      tensor("bucket", DType::F32, {8}, Storage::Arena, 192), // 6
      tensor("g", DType::F32, {4}, Storage::Arena, 192),      // 7
  };
  plan.instructions = {
      instruction("neg", {1}, {2}),
      instruction("neg", {2}, {3}),
      instruction("neg", {3}, {4}),
      instruction("sum", {4}, {5}),
      instruction("all_reduce", {4}, {6}, {{"mesh", std::string("mesh")}}),
      instruction("sgd_update", {0, 7}, {0}),
  };
  plan.loss = 5;
  plan.gradients = {{0, 7}};
  return plan;
}

size_t kindIndex(MemoryKind kind) { return static_cast<size_t>(kind); }

TEST(PlanMemoryTest, LiveBytesFollowWritesAndReadsOfBytes) {
  MemoryProfile profile = profileMemory(memoryPlan(), 1);
  // a; a+b; b+c; c+loss; c+loss+bucket; loss + the bucket's half g reads
  // (the other half died after the all-reduce).
  EXPECT_EQ(profile.liveArenaBytes,
            (std::vector<uint64_t>{16, 32, 32, 20, 52, 20}));
  EXPECT_EQ(profile.peakInstruction, 4u);
  EXPECT_EQ(profile.peakBytes, 52u + 16 + 16);
  EXPECT_EQ(profile.staticBytes, 256u + 16 + 16);
  EXPECT_EQ(profile.persistent[kindIndex(MemoryKind::Parameter)], 16u);
  EXPECT_EQ(profile.persistent[kindIndex(MemoryKind::Input)], 16u);
  EXPECT_EQ(profile.persistent[kindIndex(MemoryKind::Activation)], 0u);
}

TEST(PlanMemoryTest, PeakBreakdownCountsSharedBytesOnce) {
  Plan plan = memoryPlan();
  MemoryProfile profile = profileMemory(plan, 1);
  const MemoryBreakdown &peak = profile.peakBreakdown;
  // The bucket's first half is the gradient g; its second half only the
  // collective's; c and the loss are activations.
  EXPECT_EQ(peak[kindIndex(MemoryKind::Gradient)], 16u);
  EXPECT_EQ(peak[kindIndex(MemoryKind::CollectiveBuffer)], 16u);
  EXPECT_EQ(peak[kindIndex(MemoryKind::Activation)], 20u);
  EXPECT_EQ(peak[kindIndex(MemoryKind::Parameter)], 16u);
  EXPECT_EQ(peak[kindIndex(MemoryKind::Input)], 16u);
  uint64_t sum = 0;
  for (uint64_t bytes : peak)
    sum += bytes;
  EXPECT_EQ(sum, profile.peakBytes);
  // As written (g is read as a view of the bucket), largest first.
  std::vector<std::pair<uint32_t, size_t>> live;
  for (auto [tensor, writtenAt] : profile.liveAtPeak)
    live.push_back({tensor, writtenAt});
  EXPECT_EQ(live,
            (std::vector<std::pair<uint32_t, size_t>>{{6, 4}, {4, 2}, {5, 3}}));
  std::vector<MemoryKind> kinds = memoryKinds(plan);
  EXPECT_EQ(kinds[6], MemoryKind::CollectiveBuffer);
  EXPECT_EQ(kinds[7], MemoryKind::Gradient);
  EXPECT_EQ(kinds[0], MemoryKind::Parameter);
  EXPECT_EQ(memoryKindName(MemoryKind::CollectiveBuffer), "collective_buffers");
}

TEST(PlanMemoryTest, InPlaceUpdatesAndSplatsCountOnce) {
  Plan plan;
  plan.arenaBytes = 128;
  plan.tensors = {
      tensor("x", DType::F32, {4}, Storage::Input),
      tensor("a", DType::F32, {4}, Storage::Arena, 0),
      tensor("loss", DType::F32, {}, Storage::Arena, 64),
      tensor("ones", DType::F32, {1000}, Storage::Constant, 0),
  };
  plan.tensors[3].splat = true;
  plan.constants.assign(4, 0);
  plan.instructions = {instruction("neg", {0}, {1}),
                       instruction("relu", {1}, {1}),
                       instruction("sum", {1}, {2})};
  plan.loss = 2;
  MemoryProfile profile = profileMemory(plan, 1);
  EXPECT_EQ(profile.liveArenaBytes, (std::vector<uint64_t>{16, 16, 20}));
  // The splat is written out at load, beside the constant section.
  EXPECT_EQ(profile.persistent[kindIndex(MemoryKind::Constant)], 4000u + 4);
  EXPECT_EQ(staticMemoryBytes(plan), 128u + 16 + 4004);
  EXPECT_EQ(profile.peakBytes, 20u + 16 + 4004);
}

} // namespace

//===----------------------------------------------------------------------===//
// collectiveWaits: where the compute waits for a collective beside it.
//===----------------------------------------------------------------------===//

/// Arena tensors of 16 floats (64 bytes) at `offsets`, instructions
/// `insts`; every instruction named "net" overlaps.
std::vector<int64_t> waitsOf(std::vector<uint64_t> offsets,
                             std::vector<Instruction> insts,
                             std::vector<TensorDesc> extra = {}) {
  Plan plan;
  for (uint64_t offset : offsets)
    plan.tensors.push_back(
        tensor("", DType::F32, {16}, Storage::Arena, offset));
  llvm::append_range(plan.tensors, extra);
  plan.instructions = std::move(insts);
  return collectiveWaits(plan, [&](size_t index) {
    return plan.instructions[index].kernel == "net";
  });
}

TEST(CollectiveWaitsTest, WaitsWhereTheBytesAreTouched) {
  // t0 @0, t1 @64, t2 @128, t3 @192, t4 @32 (overlaps t0 and t1).
  std::vector<uint64_t> offsets{0, 64, 128, 192, 32};
  // Reads what the collective writes (t1): waits.
  EXPECT_EQ(waitsOf(offsets,
                    {instruction("net", {0}, {1}), instruction("k", {2}, {3}),
                     instruction("k", {1}, {2})}),
            (std::vector<int64_t>{-1, -1, 0}));
  // Writes what it reads (t0, reused bytes): waits.
  EXPECT_EQ(waitsOf(offsets,
                    {instruction("net", {0}, {1}), instruction("k", {2}, {0})}),
            (std::vector<int64_t>{-1, 0}));
  // Writes what it writes: waits.
  EXPECT_EQ(waitsOf(offsets,
                    {instruction("net", {0}, {1}), instruction("k", {2}, {1})}),
            (std::vector<int64_t>{-1, 0}));
  // Reads what it reads: goes on.
  EXPECT_EQ(waitsOf(offsets,
                    {instruction("net", {0}, {1}), instruction("k", {0}, {2})}),
            (std::vector<int64_t>{-1, -1}));
  // A view over part of its operand's bytes counts (t4 straddles t0, t1).
  EXPECT_EQ(waitsOf(offsets,
                    {instruction("net", {2}, {3}), instruction("net", {0}, {1}),
                     instruction("k", {2}, {4})}),
            (std::vector<int64_t>{-1, -1, 1}));
}

TEST(CollectiveWaitsTest, CollectivesRunInOrderAndOneWaitCoversEarlierOnes) {
  std::vector<uint64_t> offsets{0, 64, 128, 192, 256, 320};
  // The second collective reads the first's result without a wait (they
  // run in order); the instruction that reads the first's waits for the
  // second, the later one it conflicts with, and nothing waits again.
  EXPECT_EQ(waitsOf(offsets,
                    {instruction("net", {0}, {1}), instruction("net", {1}, {2}),
                     instruction("k", {2}, {3}), instruction("k", {1}, {4})}),
            (std::vector<int64_t>{-1, -1, 1, -1}));
  // Waiting for the first leaves the second pending.
  EXPECT_EQ(waitsOf(offsets,
                    {instruction("net", {0}, {1}), instruction("net", {2}, {3}),
                     instruction("k", {1}, {4}), instruction("k", {3}, {5})}),
            (std::vector<int64_t>{-1, -1, 0, 1}));
}

TEST(CollectiveWaitsTest, PersistentTensorsAndTransfers) {
  // t0 @0 in the arena; t1 a parameter; t2 a host-offloaded tensor.
  std::vector<TensorDesc> extra{
      tensor("w", DType::F32, {16}, Storage::Parameter),
      tensor("h", DType::F32, {16}, Storage::Host)};
  // The optimizer writes the parameter a gather reads: waits. Another
  // parameter's bytes are not the same bytes as the arena's.
  EXPECT_EQ(waitsOf({0},
                    {instruction("net", {1}, {0}), instruction("k", {}, {1})},
                    extra),
            (std::vector<int64_t>{-1, 0}));
  // A transfer is taken to read and write its tensors: offloading what a
  // collective writes waits, even though an offload only reads it.
  EXPECT_EQ(
      waitsOf({0},
              {instruction("net", {1}, {0}), instruction("offload", {0}, {2})},
              extra),
      (std::vector<int64_t>{-1, 0}));
}

//===----------------------------------------------------------------------===//
// planSwapStaging
//===----------------------------------------------------------------------===//

TEST(SwapStagingTest, RegionsPerTransferInFlight) {
  // Swap files s0 (8 KiB), s1 (100 B), s2 (4 KiB), h3 (host, 4 KiB); arena
  // tensors m4..m7 their memory.
  Plan plan;
  plan.tensors = {tensor("s0", DType::U8, {8192}, Storage::Swapped),
                  tensor("s1", DType::U8, {100}, Storage::Swapped),
                  tensor("s2", DType::U8, {4096}, Storage::Swapped),
                  tensor("h3", DType::U8, {4096}, Storage::Host),
                  tensor("m4", DType::U8, {8192}, Storage::Arena, 0),
                  tensor("m5", DType::U8, {100}, Storage::Arena, 8192),
                  tensor("m6", DType::U8, {4096}, Storage::Arena, 8320),
                  tensor("m7", DType::U8, {4096}, Storage::Arena, 12416)};
  plan.instructions = {
      instruction("reload", {1}, {5}),       // 0: s1 at 0
      instruction("reload", {0}, {4}),       // 1: s0 after it, page-aligned
      instruction("reload", {3}, {7}),       // host memory: no region
      instruction("reload_wait", {1}, {5}),  // frees s1's
      instruction("reload", {2}, {6}),       // 4: s2 where s1 was
      instruction("reload_wait", {0}, {4}),  // frees s0's
      instruction("reload_wait", {3}, {7}),  //
      instruction("offload", {5}, {1}),      // 7: s1 after s2
      instruction("reload_wait", {2}, {6}),  //
      instruction("offload_wait", {5}, {1}), //
      instruction("offload", {4}, {0}),      // 10: s0 at 0
      instruction("offload_wait", {4}, {0})};
  SwapStaging staging = planSwapStaging(plan);
  auto region = [&](size_t start) -> std::pair<uint64_t, uint64_t> {
    auto it = staging.regionOf.find(start);
    if (it == staging.regionOf.end())
      return {~0ull, 0};
    return {it->second.offset, it->second.bytes};
  };
  EXPECT_EQ(staging.regionOf.size(), 5u);
  EXPECT_EQ(region(0), std::make_pair(uint64_t(0), uint64_t(100)));
  EXPECT_EQ(region(1), std::make_pair(uint64_t(4096), uint64_t(8192)));
  EXPECT_EQ(region(2).first, ~0ull);
  EXPECT_EQ(region(4), std::make_pair(uint64_t(0), uint64_t(4096)));
  EXPECT_EQ(region(7), std::make_pair(uint64_t(4096), uint64_t(100)));
  EXPECT_EQ(region(10), std::make_pair(uint64_t(0), uint64_t(8192)));
  EXPECT_EQ(staging.totalBytes, 12288u);
  // Nothing swapped: nothing staged.
  for (TensorDesc &desc : plan.tensors)
    if (desc.storage == Storage::Swapped)
      desc.storage = Storage::Host;
  EXPECT_EQ(planSwapStaging(plan).totalBytes, 0u);
}

//===----------------------------------------------------------------------===//
// kernelWorkspaceBytes of attention on CUDA
//===----------------------------------------------------------------------===//

/// The workspace of one attention (or its gradient) over query [2,4,S,D]
/// and keys and values of `kvHeads` heads, in a plan for `device`.
uint64_t attentionWorkspace(StringRef device, int64_t s, int64_t d,
                            int64_t kvHeads, bool grad) {
  Plan plan;
  plan.metadata["device"] = device.str();
  plan.tensors.push_back(tensor("", DType::F32, {2, 4, s, d}, Storage::Arena));
  plan.tensors.push_back(
      tensor("", DType::F32, {2, kvHeads, s, d}, Storage::Arena));
  plan.tensors.push_back(
      tensor("", DType::F32, {2, kvHeads, s, d}, Storage::Arena));
  plan.tensors.push_back(tensor("", DType::F32, {2, 4, s, d}, Storage::Arena));
  std::map<std::string, AttrValue> attrs{{"causal", int64_t(1)}};
  if (grad)
    plan.instructions.push_back(
        instruction("attention_grad", {0, 1, 2, 3, 3}, {0, 1, 2}, attrs));
  else
    plan.instructions.push_back(
        instruction("attention", {0, 1, 2}, {3}, attrs));
  return kernelWorkspaceBytes(plan, 0, 1);
}

TEST(KernelWorkspaceTest, CudaAttentionIsLinearInTheSequenceWhereFused) {
  for (bool grad : {false, true}) {
    for (int64_t kvHeads : {4, 2}) {
      // Head size 16: ATen's memory-efficient kernel, memory linear in S.
      double fused =
          double(attentionWorkspace("cuda", 1024, 16, kvHeads, grad)) /
          double(attentionWorkspace("cuda", 512, 16, kvHeads, grad));
      EXPECT_NEAR(fused, 2.0, 0.1) << grad << kvHeads;
      // Head size 12: the composite form, its [B,H,S,S] probabilities.
      double composite =
          double(attentionWorkspace("cuda", 1024, 12, kvHeads, grad)) /
          double(attentionWorkspace("cuda", 512, 12, kvHeads, grad));
      EXPECT_GT(composite, 3.9) << grad << kvHeads;
    }
  }
  // Repeating grouped keys and values costs their bytes at Hq heads.
  EXPECT_GT(attentionWorkspace("cuda", 512, 16, 2, false),
            attentionWorkspace("cuda", 512, 16, 4, false));
}

TEST(KernelWorkspaceTest, SaturatedRowsRunInBlocksOfTheOutputsSize) {
  // Scores of R rows [.., R, Skv] no larger than the output [.., S, Dv].
  EXPECT_EQ(saturatedRowBlock(64, 64, 16), 16);
  EXPECT_EQ(saturatedRowBlock(16, 16, 16), 16);
  EXPECT_EQ(saturatedRowBlock(8192, 8192, 128), 128);
  // At least one row, at most the query's.
  EXPECT_EQ(saturatedRowBlock(8, 4096, 64), 1);
  EXPECT_EQ(saturatedRowBlock(100, 50, 64), 100);
  EXPECT_EQ(saturatedRowBlock(5, 0, 64), 5);
}
