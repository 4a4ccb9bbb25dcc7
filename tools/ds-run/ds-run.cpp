//===- ds-run.cpp - train with a compiled plan ----------------------------===//
//
// Loads a plan written by ds-compile, the initial weights and the data, runs
// the training step K times on the CPU and writes what was asked for: the
// loss per step, the first step's gradients, the final parameters.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Executor.h"
#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/SafeTensors.h"
#include "dsc/Runtime/TokenData.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>

using namespace dsc::rt;
using llvm::StringRef;
using llvm::Twine;

namespace {

llvm::cl::OptionCategory category("ds-run options");

llvm::cl::opt<std::string> planPath(llvm::cl::Positional,
                                    llvm::cl::desc("<step.plan>"),
                                    llvm::cl::cat(category));

llvm::cl::opt<std::string> weightsPath(
    "weights",
    llvm::cl::desc("Initial parameters (safetensors): one tensor per plan "
                   "parameter, same name, dtype and shape"),
    llvm::cl::value_desc("model.safetensors"), llvm::cl::cat(category));

llvm::cl::opt<std::string> inputsPath(
    "inputs",
    llvm::cl::desc("Exact inputs (safetensors): one tensor per plan input, "
                   "same name, dtype and shape; every step uses this batch"),
    llvm::cl::value_desc("batch.safetensors"), llvm::cl::cat(category));

llvm::cl::opt<std::string> dataPath(
    "data",
    llvm::cl::desc("Token data: little-endian uint16 ids (nanoGPT train.bin). "
                   "The plan needs exactly two integer [B, S] inputs (tokens, "
                   "labels); step k reads B*(S+1) tokens from k*B*(S+1), "
                   "wrapping around; labels are the tokens shifted by one"),
    llvm::cl::value_desc("tokens.bin"), llvm::cl::cat(category));

llvm::cl::opt<int64_t> batchSize(
    "batch",
    llvm::cl::desc("Batch size B for --data; must equal the plan's (shapes "
                   "are static)"),
    llvm::cl::value_desc("B"), llvm::cl::init(0), llvm::cl::cat(category));

llvm::cl::opt<unsigned> numSteps("steps",
                                 llvm::cl::desc("Training steps to run "
                                                "(default 1)"),
                                 llvm::cl::value_desc("K"), llvm::cl::init(1),
                                 llvm::cl::cat(category));

llvm::cl::opt<std::string> dumpLossPath(
    "dump-loss",
    llvm::cl::desc("Write {\"step\": k, \"loss\": x} per step (k from 1), "
                   "one JSON object per line"),
    llvm::cl::value_desc("loss.jsonl"), llvm::cl::cat(category));

llvm::cl::opt<std::string> dumpGradsPath(
    "dump-grads",
    llvm::cl::desc("Write the gradients of the first step (safetensors, "
                   "named as the parameters)"),
    llvm::cl::value_desc("grads.safetensors"), llvm::cl::cat(category));

llvm::cl::opt<std::string> savePath(
    "save",
    llvm::cl::desc("Write the parameters after the last step (safetensors)"),
    llvm::cl::value_desc("final.safetensors"), llvm::cl::cat(category));

llvm::cl::opt<bool> quiet("q",
                          llvm::cl::desc("Do not print a progress line per "
                                         "step on stderr"),
                          llvm::cl::cat(category));

llvm::cl::opt<bool>
    dumpPlanFlag("dump-plan",
                 llvm::cl::desc("Print the plan in readable form and exit"),
                 llvm::cl::cat(category));

llvm::cl::opt<bool> listKernels(
    "list-kernels",
    llvm::cl::desc("Print the kernels this runtime implements and exit"),
    llvm::cl::cat(category));

constexpr const char *kThreadsHelp =
    "Threads for the CPU kernels (default: the hardware concurrency)";

/// Returns the `--threads` option. libLLVM already registers an integer
/// `threads` option for its own tools, and a second registration would abort,
/// so ds-run adopts that one (giving it our help text and category) and only
/// registers its own where libLLVM has none.
llvm::cl::opt<int> &threadsOption() {
  static llvm::cl::opt<int> *option = [] {
    auto &registered = llvm::cl::getRegisteredOptions();
    auto it = registered.find("threads");
    if (it != registered.end())
      if (auto *existing = dynamic_cast<llvm::cl::opt<int> *>(it->second)) {
        existing->setDescription(kThreadsHelp);
        existing->setValueStr("N");
        existing->addCategory(category);
        return existing;
      }
    return new llvm::cl::opt<int>("threads", llvm::cl::desc(kThreadsHelp),
                                  llvm::cl::value_desc("N"),
                                  llvm::cl::cat(category));
  }();
  return *option;
}

/// Prints `ds-run: error: ...` and returns the exit code 1.
int fail(const Twine &message) {
  llvm::errs() << "ds-run: error: " << message << "\n";
  return 1;
}

int fail(llvm::Error err) { return fail(llvm::toString(std::move(err))); }

/// Fills the inputs of every step: the same safetensors batch, or windows
/// of a token file.
class InputSource {
public:
  static llvm::Expected<InputSource> create(const Plan &plan) {
    InputSource source;
    bool haveInputs = !inputsPath.empty(), haveData = !dataPath.empty();
    if (haveInputs && haveData)
      return llvm::createStringError("--inputs and --data exclude each other");
    if (!haveData && batchSize != 0)
      return llvm::createStringError("--batch only goes with --data");
    if (haveInputs) {
      auto file = SafeTensorsFile::open(inputsPath);
      if (!file)
        return file.takeError();
      source.inputs.emplace(std::move(*file));
      return std::move(source);
    }
    if (haveData) {
      auto inputs = findTokenInputs(plan);
      if (!inputs)
        return inputs.takeError();
      if (batchSize != inputs->batch)
        return llvm::createStringError("--batch " + Twine(batchSize) +
                                       " does not match the plan, "
                                       "which was compiled for batch " +
                                       Twine(inputs->batch) +
                                       " (shapes are static)");
      auto file = TokenFile::open(dataPath);
      if (!file)
        return file.takeError();
      if (auto windows = file->numWindows(inputs->batch, inputs->seqLen);
          !windows)
        return windows.takeError();
      source.tokenInputs = *inputs;
      source.tokens.emplace(std::move(*file));
      return std::move(source);
    }
    if (!plan.tensorsWith(Storage::Input).empty())
      return llvm::createStringError(
          "the plan has inputs: give them with --inputs or --data");
    return std::move(source);
  }

  /// Sets the executor's inputs for step `step` (0-based).
  llvm::Error fill(Executor &executor, uint64_t step) {
    if (inputs)
      return step == 0 ? executor.loadInputs(*inputs) : llvm::Error::success();
    if (!tokens)
      return llvm::Error::success();
    const Plan &plan = executor.plan();
    const TensorDesc &tokenDesc = plan.tensors[tokenInputs.tokens];
    const TensorDesc &labelDesc = plan.tensors[tokenInputs.labels];
    if (tokenDesc.dtype != labelDesc.dtype) {
      // Convert each separately when the two inputs differ in dtype.
      if (llvm::Error err =
              tokens->batch(step, tokenInputs.batch, tokenInputs.seqLen,
                            tokenDesc.dtype, tokenBytes, labelBytes))
        return err;
      if (llvm::Error err = executor.setInput(tokenDesc.name, tokenBytes))
        return err;
      if (llvm::Error err =
              tokens->batch(step, tokenInputs.batch, tokenInputs.seqLen,
                            labelDesc.dtype, tokenBytes, labelBytes))
        return err;
      return executor.setInput(labelDesc.name, labelBytes);
    }
    if (llvm::Error err =
            tokens->batch(step, tokenInputs.batch, tokenInputs.seqLen,
                          tokenDesc.dtype, tokenBytes, labelBytes))
      return err;
    if (llvm::Error err = executor.setInput(tokenDesc.name, tokenBytes))
      return err;
    return executor.setInput(labelDesc.name, labelBytes);
  }

private:
  std::optional<SafeTensorsFile> inputs;
  std::optional<TokenFile> tokens;
  TokenInputs tokenInputs;
  std::vector<uint8_t> tokenBytes, labelBytes;
};

llvm::Error writeTensors(StringRef path, llvm::ArrayRef<TensorCopy> tensors) {
  SafeTensorsWriter writer;
  writer.setMetadata("format", "pt");
  for (const TensorCopy &tensor : tensors)
    writer.add(tensor.name, tensor.dtype, tensor.shape, tensor.bytes);
  return writer.write(path);
}

llvm::Error writeParameters(StringRef path, const Executor &executor) {
  SafeTensorsWriter writer;
  writer.setMetadata("format", "pt");
  for (const TensorRef &param : executor.parameters())
    writer.add(param.desc->name, param.desc->dtype, param.desc->shape,
               param.bytes);
  return writer.write(path);
}

/// Formats a loss for JSON: full float precision, `null` where JSON has no
/// number.
std::string jsonNumber(double value) {
  if (!std::isfinite(value))
    return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

int run() {
  if (listKernels) {
    for (const std::string &name : kernelNames())
      llvm::outs() << name << "\n";
    return 0;
  }

  if (planPath.empty())
    return fail("no plan file given (ds-run --help shows the usage)");
  auto plan = readPlan(planPath);
  if (!plan)
    return fail(plan.takeError());
  if (dumpPlanFlag) {
    llvm::outs() << dumpPlan(*plan);
    return 0;
  }

  if (numSteps == 0)
    return fail("--steps must be at least 1");
  bool hasParameters = !plan->tensorsWith(Storage::Parameter).empty();
  if (hasParameters && weightsPath.empty())
    return fail("the plan has parameters: give their values with --weights");
  if (!dumpGradsPath.empty() && plan->gradients.empty())
    return fail("--dump-grads: the plan lists no gradients");

  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  if (threadsOption().getNumOccurrences()) {
    if (threadsOption() < 1)
      return fail("--threads must be at least 1");
    threads = threadsOption();
  }
  setNumThreads(threads);

  auto source = InputSource::create(*plan);
  if (!source)
    return fail(source.takeError());

  auto executor = Executor::create(std::move(*plan));
  if (!executor)
    return fail(executor.takeError());
  Executor &exec = **executor;

  if (!weightsPath.empty()) {
    auto weights = SafeTensorsFile::open(weightsPath);
    if (!weights)
      return fail(weights.takeError());
    if (llvm::Error err = exec.loadWeights(*weights))
      return fail(std::move(err));
  }

  std::optional<llvm::raw_fd_ostream> lossFile;
  if (!dumpLossPath.empty()) {
    std::error_code ec;
    lossFile.emplace(dumpLossPath, ec, llvm::sys::fs::OF_Text);
    if (ec)
      return fail("cannot write '" + dumpLossPath + "': " + ec.message());
  }

  for (unsigned step = 0; step < numSteps; ++step) {
    if (llvm::Error err = source->fill(exec, step))
      return fail(std::move(err));
    bool captureGradients = step == 0 && !dumpGradsPath.empty();
    exec.setCaptureGradients(captureGradients);
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error err = exec.step())
      return fail("step " + Twine(step + 1) + ": " +
                  llvm::toString(std::move(err)));
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    double loss = exec.loss();
    if (!quiet) {
      char line[128];
      std::snprintf(line, sizeof(line), "step %u/%u  loss %.4f  %.1f ms\n",
                    step + 1, static_cast<unsigned>(numSteps), loss, ms);
      llvm::errs() << line;
    }
    if (lossFile) {
      *lossFile << "{\"step\": " << step + 1
                << ", \"loss\": " << jsonNumber(loss) << "}\n";
      lossFile->flush();
      if (lossFile->has_error())
        return fail("cannot write '" + dumpLossPath +
                    "': " + lossFile->error().message());
    }
    if (captureGradients) {
      exec.setCaptureGradients(false);
      if (llvm::Error err =
              writeTensors(dumpGradsPath, exec.capturedGradients()))
        return fail(std::move(err));
    }
  }

  if (lossFile) {
    lossFile->close();
    if (lossFile->has_error()) {
      std::string message = lossFile->error().message();
      lossFile->clear_error();
      return fail("cannot write '" + dumpLossPath + "': " + message);
    }
  }
  if (!savePath.empty())
    if (llvm::Error err = writeParameters(savePath, exec))
      return fail(std::move(err));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  threadsOption();
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "ds-run: train with a compiled plan on the CPU\n\n"
      "  ds-run step.plan --weights model.safetensors \\\n"
      "      (--inputs batch.safetensors | --data tokens.bin --batch B) \\\n"
      "      --steps K [--dump-loss loss.jsonl] [--dump-grads "
      "grads.safetensors]\n"
      "      [--save final.safetensors] [-q] [--threads N]\n\n"
      "Errors print 'ds-run: error: ...' and exit with status 1.\n");
  return run();
}
