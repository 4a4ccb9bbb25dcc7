//===- DsRunTest.cpp - ds-run as a program --------------------------------===//
//
// Runs the ds-run binary on a bigram language model (an embedding whose
// rows are the logits) trained by SGD: the outputs it writes, and the exit
// code and message of every user error.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/SafeTensors.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace dsc::rt;
using llvm::ArrayRef;
using llvm::StringRef;

namespace {

constexpr int64_t kVocab = 8, kBatch = 2, kSeq = 4;

template <typename T> ArrayRef<uint8_t> bytesOf(const std::vector<T> &values) {
  return {reinterpret_cast<const uint8_t *>(values.data()),
          values.size() * sizeof(T)};
}

TensorDesc desc(std::string name, DType dtype, std::vector<int64_t> shape,
                Storage storage, uint64_t offset = 0) {
  TensorDesc d;
  d.name = std::move(name);
  d.dtype = dtype;
  d.shape = std::move(shape);
  d.storage = storage;
  d.offset = offset;
  return d;
}

/// The bigram model's training step: logits = wte[tokens], mean
/// cross-entropy, backward, SGD with momentum. The weight gradient reuses
/// the logits' arena bytes.
Plan bigramPlan() {
  Plan plan;
  plan.tensors = {
      desc("wte", DType::F32, {kVocab, kVocab}, Storage::Parameter),
      desc("tokens", DType::I64, {kBatch, kSeq}, Storage::Input),
      desc("labels", DType::I64, {kBatch, kSeq}, Storage::Input),
      desc("logits", DType::F32, {kBatch, kSeq, kVocab}, Storage::Arena, 0),
      desc("loss", DType::F32, {}, Storage::Arena, 256),
      desc("one", DType::F32, {}, Storage::Constant, 0),
      desc("dlogits", DType::F32, {kBatch, kSeq, kVocab}, Storage::Arena, 320),
      desc("dwte", DType::F32, {kVocab, kVocab}, Storage::Arena, 0),
      desc("momentum_buffer.wte", DType::F32, {kVocab, kVocab}, Storage::State),
  };
  plan.arenaBytes = 576;
  float one = 1.0f;
  plan.constants.resize(4);
  std::memcpy(plan.constants.data(), &one, 4);
  auto add = [&](std::string kernel, std::vector<uint32_t> operands,
                 std::vector<uint32_t> results,
                 std::map<std::string, AttrValue> attrs = {}) {
    Instruction inst;
    inst.kernel = std::move(kernel);
    inst.operands = std::move(operands);
    inst.results = std::move(results);
    inst.attrs = std::move(attrs);
    plan.instructions.push_back(std::move(inst));
  };
  add("embedding", {0, 1}, {3});
  add("cross_entropy", {3, 2}, {4}, {{"ignore_index", int64_t(-100)}});
  add("cross_entropy_grad", {3, 2, 5}, {6}, {{"ignore_index", int64_t(-100)}});
  add("embedding_grad", {1, 6}, {7});
  add("sgd_update", {0, 7, 8}, {0, 8},
      {{"lr", 1.0}, {"momentum", 0.9}, {"weight_decay", 0.0}});
  plan.loss = 4;
  plan.gradients = {{0, 7}};
  return plan;
}

struct Result {
  int exitCode = -1;
  std::string out;
  std::string err;
};

std::string readFile(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

class DsRunTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("ds-run-test", dir));
    planPath = file("step.plan");
    ASSERT_FALSE(static_cast<bool>(writePlan(bigramPlan(), planPath)));
    weightsPath = file("model.safetensors");
    writeWeights(weightsPath, "wte", DType::F32, {kVocab, kVocab});
    // Tokens 0, 1, ..., 7, 0, 1, ...: a bigram model learns them.
    std::vector<uint16_t> tokens;
    for (int i = 0; i < 64; ++i)
      tokens.push_back(i % kVocab);
    tokensPath = file("tokens.bin");
    writeBytes(tokensPath,
               StringRef(reinterpret_cast<const char *>(tokens.data()),
                         tokens.size() * 2));
  }

  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string file(StringRef name) const {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  }

  static void writeBytes(StringRef path, StringRef bytes) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << bytes;
  }

  /// Writes a zero tensor `name` of `dtype` and `shape`.
  static void writeWeights(StringRef path, StringRef name, DType dtype,
                           std::vector<int64_t> shape) {
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    SafeTensorsWriter writer;
    std::vector<uint8_t> zeros(count * dtypeSize(dtype), 0);
    writer.add(name, dtype, shape, zeros);
    ASSERT_FALSE(static_cast<bool>(writer.write(path)));
  }

  Result run(std::vector<std::string> args) {
    std::string outPath = file("stdout"), errPath = file("stderr");
    // The redirections do not truncate an existing file.
    llvm::sys::fs::remove(outPath);
    llvm::sys::fs::remove(errPath);
    std::vector<StringRef> argv = {DSC_DS_RUN_PATH};
    for (const std::string &arg : args)
      argv.push_back(arg);
    std::optional<StringRef> redirects[] = {std::nullopt, StringRef(outPath),
                                            StringRef(errPath)};
    Result result;
    result.exitCode = llvm::sys::ExecuteAndWait(
        DSC_DS_RUN_PATH, argv, std::nullopt, redirects, /*SecondsToWait=*/60);
    result.out = readFile(outPath);
    result.err = readFile(errPath);
    return result;
  }

  /// Runs ds-run with `args` and expects a one-line user error that
  /// contains `part`.
  void expectError(std::vector<std::string> args, StringRef part) {
    Result result = run(std::move(args));
    EXPECT_EQ(result.exitCode, 1) << result.err;
    EXPECT_TRUE(StringRef(result.err).starts_with("ds-run: error: "))
        << result.err;
    EXPECT_TRUE(StringRef(result.err).contains(part)) << result.err;
    EXPECT_EQ(llvm::count(result.err, '\n'), 1) << result.err;
  }

  std::vector<std::string> dataArgs() {
    return {planPath,
            "--weights",
            weightsPath,
            "--data",
            tokensPath,
            "--batch",
            std::to_string(kBatch),
            "--threads",
            "1"};
  }

  llvm::SmallString<128> dir;
  std::string planPath, weightsPath, tokensPath;
};

TEST_F(DsRunTest, TrainsFromTokenFile) {
  std::vector<std::string> args = dataArgs();
  std::string lossPath = file("loss.jsonl"), gradsPath = file("grads.st"),
              savePath = file("final.st");
  for (const std::string &arg :
       {std::string("--steps"), std::string("6"), std::string("--dump-loss"),
        lossPath, std::string("--dump-grads"), gradsPath, std::string("--save"),
        savePath, std::string("-q")})
    args.push_back(arg);
  Result result = run(args);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.err, "");

  std::string lossText = readFile(lossPath);
  llvm::SmallVector<StringRef> lines;
  StringRef(lossText).trim().split(lines, '\n');
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_TRUE(lines[0].starts_with("{\"step\": 1, \"loss\": "))
      << lines[0].str();
  EXPECT_TRUE(lines[5].starts_with("{\"step\": 6, \"loss\": "))
      << lines[5].str();
  auto lossOf = [](StringRef line) {
    return std::stod(line.split("\"loss\": ").second.drop_back().str());
  };
  // Zero weights: uniform predictions over 8 tokens.
  EXPECT_NEAR(lossOf(lines[0]), std::log(8.0), 1e-6);
  EXPECT_LT(lossOf(lines[5]), lossOf(lines[0]) - 0.5);

  auto grads = SafeTensorsFile::open(gradsPath);
  ASSERT_TRUE(static_cast<bool>(grads)) << llvm::toString(grads.takeError());
  auto info = grads->expect("wte", DType::F32, {kVocab, kVocab});
  ASSERT_TRUE(static_cast<bool>(info)) << llvm::toString(info.takeError());
  std::vector<float> dW(kVocab * kVocab);
  std::memcpy(dW.data(), grads->data(**info).data(), dW.size() * 4);
  // Step 1 rows: inputs 0 1 2 3 and 5 6 7 0 (8 positions), labels shifted
  // by one; token 0 is followed by 1 twice.
  EXPECT_FLOAT_EQ(dW[0 * kVocab + 1], 2 * (1.0f / 8 - 1) / 8);
  EXPECT_FLOAT_EQ(dW[0 * kVocab + 0], 2 * (1.0f / 8) / 8);
  EXPECT_FLOAT_EQ(dW[1 * kVocab + 2], (1.0f / 8 - 1) / 8);
  EXPECT_FLOAT_EQ(dW[4 * kVocab + 0], 0.0f);

  auto saved = SafeTensorsFile::open(savePath);
  ASSERT_TRUE(static_cast<bool>(saved)) << llvm::toString(saved.takeError());
  auto savedInfo = saved->expect("wte", DType::F32, {kVocab, kVocab});
  ASSERT_TRUE(static_cast<bool>(savedInfo));
  std::vector<float> w(kVocab * kVocab);
  std::memcpy(w.data(), saved->data(**savedInfo).data(), w.size() * 4);
  EXPECT_GT(w[0 * kVocab + 1], 0.0f); // learned 0 -> 1
}

TEST_F(DsRunTest, ProgressLinesAndInputsFile) {
  std::string inputsPath = file("batch.safetensors");
  std::vector<int64_t> tokens = {0, 1, 2, 3, 5, 6, 7, 0};
  std::vector<int64_t> labels = {1, 2, 3, 4, 6, 7, 0, 1};
  SafeTensorsWriter writer;
  writer.add("tokens", DType::I64, {kBatch, kSeq}, bytesOf(tokens));
  writer.add("labels", DType::I64, {kBatch, kSeq}, bytesOf(labels));
  ASSERT_FALSE(static_cast<bool>(writer.write(inputsPath)));
  Result result = run({planPath, "--weights", weightsPath, "--inputs",
                       inputsPath, "--steps", "2"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(StringRef(result.err).starts_with("step 1/2  loss 2.0794  "))
      << result.err;
  EXPECT_TRUE(StringRef(result.err).contains("step 2/2  loss ")) << result.err;
  EXPECT_TRUE(StringRef(result.err).contains(" ms\n")) << result.err;

  writer = SafeTensorsWriter();
  writer.add("tokens", DType::I64, {kBatch, kSeq}, bytesOf(tokens));
  ASSERT_FALSE(static_cast<bool>(writer.write(inputsPath)));
  expectError({planPath, "--weights", weightsPath, "--inputs", inputsPath},
              "'labels'");
}

TEST_F(DsRunTest, DumpPlan) {
  Result result = run({planPath, "--dump-plan"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(StringRef(result.out).contains("embedding_grad")) << result.out;
}

TEST_F(DsRunTest, WeightErrors) {
  std::string bad = file("bad.safetensors");
  writeWeights(bad, "wpe", DType::F32, {kVocab, kVocab});
  std::vector<std::string> args = dataArgs();
  args[2] = bad;
  expectError(args, "'wte'");
  writeWeights(bad, "wte", DType::F32, {kVocab, 4});
  expectError(args, "[8, 4]");
  writeWeights(bad, "wte", DType::F64, {kVocab, kVocab});
  expectError(args, "F64");
  writeBytes(bad, StringRef("\x10\0\0\0\0\0\0\0{\"wte\": [1, 2]}", 24));
  expectError(args, bad);
  args[2] = file("missing.safetensors");
  expectError(args, "missing.safetensors");
  expectError({planPath, "--data", tokensPath, "--batch", "2"}, "--weights");
}

TEST_F(DsRunTest, DataErrors) {
  std::vector<std::string> args = dataArgs();
  std::string tokens = file("short.bin");
  writeBytes(tokens, StringRef("\1\0\2\0\3\0", 6));
  args[4] = tokens;
  expectError(args, "fewer than one batch");
  writeBytes(tokens, StringRef("\1\0\2", 3));
  expectError(args, "odd");
  args[4] = file("missing.bin");
  expectError(args, "missing.bin");

  args = dataArgs();
  args[6] = "3";
  expectError(args, "--batch 3 does not match the plan");
  expectError({planPath, "--weights", weightsPath},
              "give them with --inputs or --data");
}

TEST_F(DsRunTest, PlanErrors) {
  std::vector<std::string> args = dataArgs();
  std::string plan = readFile(planPath);
  std::string truncated = file("truncated.plan");
  writeBytes(truncated, StringRef(plan).take_front(plan.size() / 2));
  args[0] = truncated;
  expectError(args, truncated);
  std::string corrupt = file("corrupt.plan");
  writeBytes(corrupt, std::string(200, 'x'));
  args[0] = corrupt;
  expectError(args, corrupt);
  args[0] = file("missing.plan");
  expectError(args, "missing.plan");
}

} // namespace
