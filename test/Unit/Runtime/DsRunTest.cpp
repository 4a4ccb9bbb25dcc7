//===- DsRunTest.cpp - ds-run as a program --------------------------------===//
//
// Runs the ds-run binary on a bigram language model (an embedding whose
// rows are the logits) trained by SGD: the outputs it writes, and the exit
// code and message of every user error. The same model data-parallel over
// two ranks (`ds-run -n 2`) must train exactly like it, and a rank that
// dies or fails to start must stop the run with a message that names it.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Launcher.h"
#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/SafeTensors.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

extern char **environ;

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

/// bigramPlan() data-parallel over `dp` = 2: each rank gets one of the two
/// rows of the batch; the loss and the weight gradient are averaged over
/// the ranks before the update.
Plan bigramDpPlan() {
  constexpr int64_t kLocal = kBatch / 2;
  Plan plan;
  plan.mesh = {{"dp", 2}};
  plan.tensors = {
      desc("wte", DType::F32, {kVocab, kVocab}, Storage::Parameter), // 0
      desc("tokens", DType::I64, {kLocal, kSeq}, Storage::Input),    // 1
      desc("labels", DType::I64, {kLocal, kSeq}, Storage::Input),    // 2
      desc("logits", DType::F32, {kLocal, kSeq, kVocab}, Storage::Arena, 0),
      desc("local_loss", DType::F32, {}, Storage::Arena, 256), // 4
      desc("one", DType::F32, {}, Storage::Constant, 0),       // 5
      desc("dlogits", DType::F32, {kLocal, kSeq, kVocab}, Storage::Arena,
           384),                                                           // 6
      desc("local_dwte", DType::F32, {kVocab, kVocab}, Storage::Arena, 0), // 7
      desc("momentum_buffer.wte", DType::F32, {kVocab, kVocab},
           Storage::State),                                            // 8
      desc("loss", DType::F32, {}, Storage::Arena, 320),               // 9
      desc("dwte", DType::F32, {kVocab, kVocab}, Storage::Arena, 512), // 10
  };
  plan.tensors[1].shardAxes = {0, -1};
  plan.tensors[2].shardAxes = {0, -1};
  plan.arenaBytes = 768;
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
  std::map<std::string, AttrValue> mean = {{"mesh", std::string("mesh")},
                                           {"axes", std::string("dp")},
                                           {"reduction", std::string("mean")}};
  add("embedding", {0, 1}, {3});
  add("cross_entropy", {3, 2}, {4}, {{"ignore_index", int64_t(-100)}});
  add("all_reduce", {4}, {9}, mean);
  add("cross_entropy_grad", {3, 2, 5}, {6}, {{"ignore_index", int64_t(-100)}});
  add("embedding_grad", {1, 6}, {7});
  add("all_reduce", {7}, {10}, mean);
  add("sgd_update", {0, 10, 8}, {0, 8},
      {{"lr", 1.0}, {"momentum", 0.9}, {"weight_decay", 0.0}});
  plan.loss = 9;
  plan.gradients = {{0, 10}};
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

/// The loss of one line of a --dump-loss file; NaN if the line is not an
/// object with a numeric "loss".
double jsonLoss(StringRef line) {
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(line);
  if (!value) {
    llvm::consumeError(value.takeError());
    return std::nan("");
  }
  const llvm::json::Object *object = value->getAsObject();
  std::optional<double> loss =
      object ? object->getNumber("loss") : std::nullopt;
  return loss ? *loss : std::nan("");
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

  /// Runs ds-run with `args` and, where given, these environment variables
  /// added to the test's own.
  Result run(std::vector<std::string> args,
             std::vector<std::string> extraEnv = {}) {
    std::string outPath = file("stdout"), errPath = file("stderr");
    // The redirections do not truncate an existing file.
    llvm::sys::fs::remove(outPath);
    llvm::sys::fs::remove(errPath);
    std::vector<StringRef> argv = {DSC_DS_RUN_PATH};
    for (const std::string &arg : args)
      argv.push_back(arg);
    std::optional<StringRef> redirects[] = {std::nullopt, StringRef(outPath),
                                            StringRef(errPath)};
    std::optional<llvm::ArrayRef<StringRef>> env;
    std::vector<StringRef> envRefs;
    if (!extraEnv.empty()) {
      for (char **entry = environ; *entry; ++entry)
        envRefs.push_back(*entry);
      for (const std::string &entry : extraEnv)
        envRefs.push_back(entry);
      env = envRefs;
    }
    Result result;
    result.exitCode = llvm::sys::ExecuteAndWait(
        DSC_DS_RUN_PATH, argv, env, redirects, /*SecondsToWait=*/60);
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
  EXPECT_TRUE(lines[0].starts_with("{\"step\":1,\"loss\":")) << lines[0].str();
  EXPECT_TRUE(lines[5].starts_with("{\"step\":6,\"loss\":")) << lines[5].str();
  auto lossOf = [](StringRef line) { return jsonLoss(line); };
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

  // A thread count beyond a few per core is refused at once, not spent
  // creating threads.
  args = dataArgs();
  args.back() = "100000";
  expectError(args, "--threads must be between 1 and ");
  args.back() = "0";
  expectError(args, "got 0");
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

//===----------------------------------------------------------------------===//
// Many ranks
//===----------------------------------------------------------------------===//

/// Whether another process has `marker` in its command line.
bool processMentions(StringRef marker) {
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it("/proc", ec), end; !ec && it != end;
       it.increment(ec)) {
    StringRef name = llvm::sys::path::filename(it->path());
    int pid;
    if (name.getAsInteger(10, pid) || pid == ::getpid())
      continue;
    std::string cmdline = readFile(it->path() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (StringRef(cmdline).contains(marker))
      return true;
  }
  return false;
}

std::vector<double> lossesOf(StringRef path) {
  std::string text = readFile(path);
  llvm::SmallVector<StringRef> lines;
  StringRef(text).trim().split(lines, '\n');
  std::vector<double> losses;
  for (StringRef line : lines)
    losses.push_back(jsonLoss(line));
  return losses;
}

std::vector<float> weightsOf(StringRef path) {
  auto file = SafeTensorsFile::open(path);
  EXPECT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());
  if (!file)
    return {};
  auto info = file->expect("wte", DType::F32, {kVocab, kVocab});
  EXPECT_TRUE(static_cast<bool>(info)) << llvm::toString(info.takeError());
  if (!info)
    return {};
  std::vector<float> values(kVocab * kVocab);
  std::memcpy(values.data(), file->data(**info).data(), values.size() * 4);
  return values;
}

void expectClose(const std::vector<float> &a, const std::vector<float> &b) {
  ASSERT_EQ(a.size(), b.size());
  float scale = 0;
  for (float v : b)
    scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-6f * std::max(scale, 1.0f)) << "element " << i;
}

class DsRunRanksTest : public DsRunTest {
protected:
  void SetUp() override {
    DsRunTest::SetUp();
    dpPlanPath = file("dp.plan");
    ASSERT_FALSE(static_cast<bool>(writePlan(bigramDpPlan(), dpPlanPath)));
  }

  /// dataArgs() for the data-parallel plan, started with `-n 2`.
  std::vector<std::string> dpArgs() {
    std::vector<std::string> args = dataArgs();
    args[0] = dpPlanPath;
    args.insert(args.begin(), {"-n", "2"});
    return args;
  }

  /// Runs the data-parallel plan with `env`, expects it to fail within the
  /// timeout and leave no process behind, and returns its stderr.
  std::string expectRunFails(std::vector<std::string> env) {
    std::vector<std::string> args = dpArgs();
    for (const char *arg : {"--steps", "4", "--timeout", "10", "-q"})
      args.push_back(arg);
    auto start = std::chrono::steady_clock::now();
    Result result = run(args, std::move(env));
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(result.exitCode, 1) << result.err;
    EXPECT_LT(elapsed, std::chrono::seconds(10)) << result.err;
    EXPECT_FALSE(processMentions(dpPlanPath)) << "a rank outlived ds-run";
    return result.err;
  }

  /// A run right after a failure trains normally.
  void expectRerunWorks() {
    Result result = run(dpArgs());
    EXPECT_EQ(result.exitCode, 0) << result.err;
  }

  std::string dpPlanPath;
};

TEST_F(DsRunRanksTest, TwoRanksTrainLikeOne) {
  auto outputs = [&](StringRef tag) {
    return std::vector<std::string>{"--steps",
                                    "4",
                                    "--dump-loss",
                                    file(tag.str() + ".loss"),
                                    "--dump-grads",
                                    file(tag.str() + ".grads"),
                                    "--save",
                                    file(tag.str() + ".final"),
                                    "-q"};
  };
  std::vector<std::string> one = dataArgs(), two = dpArgs();
  for (const std::string &arg : outputs("one"))
    one.push_back(arg);
  for (const std::string &arg : outputs("two"))
    two.push_back(arg);
  Result result = run(one);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  result = run(two);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.err, "");

  std::vector<double> expected = lossesOf(file("one.loss"));
  std::vector<double> losses = lossesOf(file("two.loss"));
  ASSERT_EQ(losses.size(), 4u);
  ASSERT_EQ(expected.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_NEAR(losses[i], expected[i], 1e-6 * expected[i]) << "step " << i;
  expectClose(weightsOf(file("two.grads")), weightsOf(file("one.grads")));
  expectClose(weightsOf(file("two.final")), weightsOf(file("one.final")));

  // Progress comes from rank 0 alone, prefixed.
  result = run(dpArgs());
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(StringRef(result.err)
                  .starts_with("[rank 0] step 1/1  loss "
                               "2.0794  "))
      << result.err;
  EXPECT_EQ(llvm::count(result.err, '\n'), 1) << result.err;
}

TEST_F(DsRunRanksTest, InputsFileHoldsTheGlobalBatch) {
  std::string inputsPath = file("batch.safetensors");
  std::vector<int64_t> tokens = {0, 1, 2, 3, 5, 6, 7, 0};
  std::vector<int64_t> labels = {1, 2, 3, 4, 6, 7, 0, 1};
  SafeTensorsWriter writer;
  writer.add("tokens", DType::I64, {kBatch, kSeq}, bytesOf(tokens));
  writer.add("labels", DType::I64, {kBatch, kSeq}, bytesOf(labels));
  ASSERT_FALSE(static_cast<bool>(writer.write(inputsPath)));
  Result result = run({planPath, "--weights", weightsPath, "--inputs",
                       inputsPath, "--steps", "2", "--dump-loss",
                       file("one.loss"), "--save", file("one.final")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  result = run({"-n", "2", dpPlanPath, "--weights", weightsPath, "--inputs",
                inputsPath, "--steps", "2", "--dump-loss", file("two.loss"),
                "--save", file("two.final")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  std::vector<double> expected = lossesOf(file("one.loss"));
  std::vector<double> losses = lossesOf(file("two.loss"));
  ASSERT_EQ(losses.size(), 2u);
  for (size_t i = 0; i < 2; ++i)
    EXPECT_NEAR(losses[i], expected[i], 1e-6 * expected[i]) << "step " << i;
  expectClose(weightsOf(file("two.final")), weightsOf(file("one.final")));

  // A local-sized batch is not the global batch: every rank says so.
  writer = SafeTensorsWriter();
  writer.add("tokens", DType::I64, {1, kSeq}, bytesOf(tokens).take_front(32));
  writer.add("labels", DType::I64, {1, kSeq}, bytesOf(labels).take_front(32));
  ASSERT_FALSE(static_cast<bool>(writer.write(inputsPath)));
  result = run({"-n", "2", dpPlanPath, "--weights", weightsPath, "--inputs",
                inputsPath});
  EXPECT_EQ(result.exitCode, 1) << result.err;
  for (const char *rank :
       {"[rank 0] ds-run: error: ", "[rank 1] ds-run: error: "})
    EXPECT_TRUE(StringRef(result.err)
                    .contains(std::string(rank) + inputsPath +
                              ": tensor 'tokens' is I64 [1, "
                              "4], expected I64 [2, 4]"))
        << result.err;
}

TEST_F(DsRunRanksTest, RankCountErrors) {
  std::vector<std::string> args = dpArgs();
  args.erase(args.begin(), args.begin() + 2);
  expectError(args, "the plan runs on 2 ranks (mesh: dp=2): start it with "
                    "ds-run -n 2, or under a launcher");
  args = dpArgs();
  args[1] = "3";
  expectError(args, "the plan runs on 2 ranks (mesh: dp=2), but -n starts 3");
  args[1] = "0";
  expectError(args, "-n must be at least 1");
  args = dataArgs();
  args.insert(args.begin(), {"-n", "2"});
  expectError(args, "the plan runs on 1 rank (mesh: no mesh), but -n starts 2");
  // A launcher that started another number of ranks.
  args = dataArgs();
  Result result = run(args, {"RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                             "MASTER_PORT=1"});
  EXPECT_EQ(result.exitCode, 1);
  EXPECT_TRUE(StringRef(result.err)
                  .contains("the plan runs on 1 rank (mesh: no mesh), but the "
                            "launcher started 2"))
      << result.err;

  // --batch is global.
  args = dpArgs();
  args[8] = "1";
  result = run(args);
  EXPECT_EQ(result.exitCode, 1);
  for (const char *rank : {"[rank 0] ", "[rank 1] "})
    EXPECT_TRUE(
        StringRef(result.err)
            .contains(
                std::string(rank) +
                "ds-run: error: --batch 1 does not match the plan, which was "
                "compiled for batch 2 (2 data-parallel ranks of 1 rows each; "
                "shapes "
                "are static)"))
        << result.err;
}

TEST_F(DsRunRanksTest, DeadRankStopsTheRun) {
  std::string err =
      expectRunFails({"DSC_TEST_KILL_RANK=1", "DSC_TEST_KILL_STEP=2"});
  EXPECT_TRUE(StringRef(err).contains(
      "ds-run: error: rank 1 was killed by signal 9 (SIGKILL)"))
      << err;
  EXPECT_TRUE(StringRef(err).contains(
      "[rank 0] ds-run: error: step 2: instruction 2 'all_reduce': allReduce "
      "failed"))
      << err;
  EXPECT_TRUE(StringRef(err).contains("rank 1 is unreachable")) << err;
  expectRerunWorks();

  // Rank 0 serves the rendezvous store; its death is no different.
  err = expectRunFails({"DSC_TEST_KILL_RANK=0", "DSC_TEST_KILL_STEP=3"});
  EXPECT_TRUE(StringRef(err).contains(
      "ds-run: error: rank 0 was killed by signal 9 (SIGKILL)"))
      << err;
  EXPECT_TRUE(StringRef(err).contains("[rank 1] ds-run: error: step 3: "))
      << err;
  expectRerunWorks();
}

TEST_F(DsRunRanksTest, RankThatCannotLoadStopsEveryRank) {
  std::string err = expectRunFails({"DSC_TEST_FAIL_INPUT_RANK=1"});
  EXPECT_TRUE(StringRef(err).contains(
      "[rank 1] ds-run: error: cannot load the inputs: failure injected by "
      "DSC_TEST_FAIL_INPUT_RANK=1"))
      << err;
  EXPECT_TRUE(
      StringRef(err).contains("[rank 0] ds-run: error: rank 1 failed to start"))
      << err;
  EXPECT_TRUE(StringRef(err).contains("\nds-run: error: rank ")) << err;
  expectRerunWorks();
}

TEST_F(DsRunRanksTest, RanksFromALaunchersEnvironment) {
  // Two processes started as torchrun would start them.
  auto port = pickFreePort();
  ASSERT_TRUE(static_cast<bool>(port)) << llvm::toString(port.takeError());
  std::vector<llvm::sys::ProcessInfo> ranks;
  std::vector<std::string> errPaths;
  std::vector<std::vector<std::string>> envs(2);
  std::vector<std::vector<StringRef>> envRefs(2);
  std::vector<std::string> args = dataArgs();
  args[0] = dpPlanPath;
  args.push_back("--dump-loss");
  args.push_back(file("env.loss"));
  std::vector<StringRef> argv = {DSC_DS_RUN_PATH};
  for (const std::string &arg : args)
    argv.push_back(arg);
  for (int rank = 0; rank < 2; ++rank) {
    errPaths.push_back(file("rank" + std::to_string(rank) + ".err"));
    for (char **entry = environ; *entry; ++entry)
      envRefs[rank].push_back(*entry);
    envs[rank] = {"RANK=" + std::to_string(rank), "WORLD_SIZE=2",
                  "MASTER_ADDR=127.0.0.1",
                  "MASTER_PORT=" + std::to_string(*port)};
    for (const std::string &entry : envs[rank])
      envRefs[rank].push_back(entry);
    std::optional<StringRef> redirects[] = {std::nullopt, std::nullopt,
                                            StringRef(errPaths.back())};
    ranks.push_back(llvm::sys::ExecuteNoWait(DSC_DS_RUN_PATH, argv,
                                             envRefs[rank], redirects));
  }
  for (int rank = 0; rank < 2; ++rank) {
    llvm::sys::ProcessInfo done =
        llvm::sys::Wait(ranks[rank], /*SecondsToWait=*/60u);
    EXPECT_EQ(done.ReturnCode, 0) << readFile(errPaths[rank]);
  }
  // Rank 0 printed the progress line; rank 1 printed nothing.
  EXPECT_TRUE(StringRef(readFile(errPaths[0])).starts_with("step 1/1  loss "))
      << readFile(errPaths[0]);
  EXPECT_EQ(readFile(errPaths[1]), "");
  EXPECT_EQ(lossesOf(file("env.loss")).size(), 1u);
}

TEST(LauncherTest, RemoveOptionInEverySpelling) {
  std::vector<std::string> args = {"ds-run", "-n",   "2",  "a.plan",
                                   "-n=3",   "--n",  "4",  "--n=5",
                                   "-q",     "--nx", "--", "-n"};
  EXPECT_EQ(
      removeOption(args, "n"),
      (std::vector<std::string>{"ds-run", "a.plan", "-q", "--nx", "--", "-n"}));
}

} // namespace
