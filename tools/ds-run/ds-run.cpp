//===- ds-run.cpp - train with a compiled plan ----------------------------===//
//
// Loads a plan written by ds-compile, the initial weights and the data, runs
// the training step K times on the CPU and writes what was asked for: the
// loss per step, the first step's gradients, the final parameters.
//
// A plan compiled for several ranks runs as one process per rank: `-n N`
// starts N local ranks (Launcher.h), or a launcher (torchrun, mpirun, srun)
// starts them and says which rank each is in its environment. Every rank
// reads the global batch and takes its block; rank 0 alone prints progress
// and writes the outputs, which the plan's all-reduces make the same on
// every rank.
//
//===----------------------------------------------------------------------===//

#include "InputSource.h"
#include "Reports.h"
#include "TestHooks.h"
#include "dsc/Runtime/AtomicFile.h"
#include "dsc/Runtime/Calibration.h"
#include "dsc/Runtime/Comm.h"
#include "dsc/Runtime/Executor.h"
#include "dsc/Runtime/Launcher.h"
#include "dsc/Runtime/Mesh.h"
#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Runtime/SafeTensors.h"
#include "dsc/Runtime/SwapEngine.h"
#include "dsc/Tools/CommandLine.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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
                   "same name and dtype, global shape (inputs split over "
                   "ranks: each rank takes its block); every step uses this "
                   "batch"),
    llvm::cl::value_desc("batch.safetensors"), llvm::cl::cat(category));

llvm::cl::opt<std::string> dataPath(
    "data",
    llvm::cl::desc("Token data: little-endian uint16 ids (nanoGPT train.bin). "
                   "The plan needs exactly two integer [B, S] inputs (tokens, "
                   "labels); step k reads B*(S+1) tokens from k*B*(S+1), "
                   "wrapping around; labels are the tokens shifted by one. "
                   "B and S are global: with many ranks each takes its block "
                   "of rows (dp) and columns (sp)"),
    llvm::cl::value_desc("tokens.bin"), llvm::cl::cat(category));

llvm::cl::opt<int64_t> batchSize(
    "batch",
    llvm::cl::desc("Global batch size B for --data; must equal the plan's "
                   "(shapes are static)"),
    llvm::cl::value_desc("B"), llvm::cl::init(0), llvm::cl::cat(category));

llvm::cl::opt<unsigned> numSteps("steps",
                                 llvm::cl::desc("Training steps to run "
                                                "(default 1)"),
                                 llvm::cl::value_desc("K"), llvm::cl::init(1),
                                 llvm::cl::cat(category));

llvm::cl::opt<std::string> dumpLossPath(
    "dump-loss",
    llvm::cl::desc("Write {\"step\":k,\"loss\":x} per step (k from 1), "
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

llvm::cl::opt<std::string> memoryReportPath(
    "memory-report",
    llvm::cl::desc("Write the memory rank 0 used next to what its plan "
                   "predicts (JSON: static bytes, the peak outside the arena)"),
    llvm::cl::value_desc("memory.json"), llvm::cl::cat(category));

llvm::cl::opt<std::string> profilePath(
    "profile",
    llvm::cl::desc("Write how long each instruction of rank 0 took, the "
                   "mean over the steps (JSON, instruction order; join with "
                   "ds-compile --trace for phases and recompute), and with "
                   "--nvme-path how many transfers were over before their "
                   "wait and the time spent waiting"),
    llvm::cl::value_desc("profile.json"), llvm::cl::cat(category));

llvm::cl::opt<std::string> calibratePath(
    "calibrate",
    llvm::cl::desc("Measure this machine (GEMM and pointwise throughput, "
                   "memory bandwidth; a few seconds, with --threads) and "
                   "write a hardware description for ds-compile --hardware, "
                   "then exit (no plan needed)"),
    llvm::cl::value_desc("hardware.json"), llvm::cl::cat(category));

llvm::cl::opt<bool> quiet("q",
                          llvm::cl::desc("Do not print a progress line per "
                                         "step on stderr"),
                          llvm::cl::cat(category));

llvm::cl::opt<bool>
    dumpPlanFlag("dump-plan",
                 llvm::cl::desc("Print the plan in readable form and exit"),
                 llvm::cl::cat(category));

llvm::cl::opt<int> numRanksOption(
    "n",
    llvm::cl::desc("Start N local ranks (child processes) and wait for them; "
                   "the plan's mesh must have N ranks"),
    llvm::cl::value_desc("N"), llvm::cl::init(0), llvm::cl::cat(category));

llvm::cl::opt<double> timeoutSeconds(
    "timeout",
    llvm::cl::desc("Seconds that rendezvous and every collective wait for the "
                   "other ranks before failing (default 60; "
                   "DSC_COMM_TIMEOUT_MS in milliseconds otherwise)"),
    llvm::cl::value_desc("SECONDS"), llvm::cl::init(60),
    llvm::cl::cat(category));

llvm::cl::opt<std::string> nvmePath(
    "nvme-path",
    llvm::cl::desc("Directory for the swap files of a plan that keeps "
                   "optimizer state, parameters or activations on NVMe "
                   "(ds-compile --offload-optimizer, --offload-params, "
                   "--offload-activations nvme): each rank creates "
                   "dsc-swap-rank<R> in it and removes it at the end; it "
                   "must support direct I/O"),
    llvm::cl::value_desc("DIR"), llvm::cl::cat(category));

llvm::cl::opt<unsigned> swapQueueDepth(
    "swap-queue-depth",
    llvm::cl::desc("Swap requests in flight per rank (default 32)"),
    llvm::cl::value_desc("N"), llvm::cl::init(32), llvm::cl::cat(category));

llvm::cl::opt<unsigned> swapBlockKiB(
    "swap-block-kib", llvm::cl::desc("KiB per swap request (default 1024)"),
    llvm::cl::value_desc("KIB"), llvm::cl::init(1024), llvm::cl::cat(category));

llvm::cl::opt<bool> swapStaging(
    "swap-staging",
    llvm::cl::desc("Move swap files' transfers through host staging "
                   "buffers, as the CUDA runtime always does (reads and "
                   "writes of the disk there, copies to and from the "
                   "tensors at the transfers' waits and starts): on the "
                   "CPU it tests that path (default false)"),
    llvm::cl::init(false), llvm::cl::cat(category));

llvm::cl::opt<std::string> deviceOption(
    "device",
    llvm::cl::desc("Where the plan's tensors live and its kernels run: cpu "
                   "(ATen's CPU kernels, Gloo collectives) or cuda (one GPU "
                   "per rank, GPU <local rank>, ATen's CUDA kernels from "
                   "LibTorch's libtorch_cuda, NCCL collectives); cuda:N "
                   "picks GPU N for a one-rank run. Default: cuda when the "
                   "plan was compiled for it (ds-compile --device) and a "
                   "GPU is visible, else cpu"),
    llvm::cl::value_desc("cpu|cuda|cuda:N"), llvm::cl::cat(category));

llvm::cl::opt<bool> allowTF32Option(
    "allow-tf32",
    llvm::cl::desc("On CUDA, let float32 matrix products use TF32 (as "
                   "torch.backends.cuda.matmul.allow_tf32 = True): faster, "
                   "not exact; for timing against PyTorch with the same "
                   "setting"),
    llvm::cl::cat(category));

llvm::cl::opt<llvm::cl::boolOrDefault> asyncCollectivesOption(
    "async-collectives",
    llvm::cl::desc("Run the collectives that go over the network on a "
                   "thread of their own (with NCCL's stream on CUDA), in "
                   "plan order, while the instructions after each go on "
                   "until one touches its bytes: ZeRO's prefetched gathers "
                   "and reduce-scatters overlap compute, with bit-identical "
                   "results. Default: on with --device cuda, off on cpu"),
    llvm::cl::value_desc("true|false"), llvm::cl::cat(category));

llvm::cl::opt<bool> deviceInfo(
    "device-info",
    llvm::cl::desc("Print whether LibTorch's CUDA kernels load and how many "
                   "GPUs are visible, and exit"),
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

//===----------------------------------------------------------------------===//
// Outputs
//===----------------------------------------------------------------------===//

llvm::Error writeTensors(StringRef path, llvm::ArrayRef<TensorCopy> tensors) {
  SafeTensorsWriter writer;
  writer.setMetadata("format", "pt");
  for (const TensorCopy &tensor : tensors)
    writer.add(tensor.name, tensor.dtype, tensor.shape, tensor.bytes);
  return writer.write(path);
}

//===----------------------------------------------------------------------===//
// Ranks
//===----------------------------------------------------------------------===//

/// Whether a launcher's variables say which rank this process is.
bool haveLauncherEnvironment() {
  for (const char *name :
       {"RANK", "WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
        "SLURM_PROCID", "SLURM_NTASKS"})
    if (std::getenv(name))
      return true;
  return false;
}

/// The --timeout, which wins over DSC_COMM_TIMEOUT_MS when given; none when
/// only the variable says (worldOptionsFromEnvironment reads it).
std::optional<std::chrono::milliseconds> timeoutOption() {
  if (timeoutSeconds.getNumOccurrences() || !std::getenv("DSC_COMM_TIMEOUT_MS"))
    return std::chrono::milliseconds(
        static_cast<int64_t>(std::llround(timeoutSeconds * 1000.0)));
  return std::nullopt;
}

/// Returns this process's world options: from the launcher's environment,
/// or one rank.
llvm::Expected<WorldOptions> worldOptions() {
  WorldOptions options;
  if (haveLauncherEnvironment()) {
    auto fromEnv = worldOptionsFromEnvironment();
    if (!fromEnv)
      return fromEnv.takeError();
    options = *fromEnv;
  }
  if (std::optional<std::chrono::milliseconds> timeout = timeoutOption())
    options.timeout = *timeout;
  return options;
}

/// After loading, the ranks agree on whether all of them are ready: an
/// all-reduce (max) of W - r over the ranks r that failed (0 elsewhere)
/// says whether any did, and the lowest such rank. Returns that rank.
llvm::Expected<std::optional<int>> agreeOnStart(World &world, bool failed) {
  int64_t value = failed ? world.size() - world.rank() : 0;
  if (llvm::Error err =
          world.world().allReduce(&value, 1, DType::I64, ReduceOp::Max))
    return std::move(err);
  if (value == 0)
    return std::nullopt;
  return static_cast<int>(world.size() - value);
}

/// `ds-run -n N`: starts the ranks as children that re-execute this
/// program with the same arguments minus `-n`.
int launch(int argc, char **argv) {
  if (numRanksOption < 1)
    return fail("-n must be at least 1");
  if (planPath.empty())
    return fail("no plan file given (ds-run --help shows the usage)");
  auto plan = readPlan(planPath);
  if (!plan)
    return fail(plan.takeError());
  int64_t ranks = meshRanks(*plan);
  if (ranks != numRanksOption)
    return fail("the plan runs on " + Twine(ranks) + " rank" +
                (ranks == 1 ? "" : "s") + " (mesh: " + describeMesh(*plan) +
                "), but -n starts " + Twine(numRanksOption));
  LaunchOptions options;
  options.numRanks = numRanksOption;
  options.program = "/proc/self/exe";
  options.args = removeOption(std::vector<std::string>(argv, argv + argc), "n");
  options.errorPrefix = "ds-run: error: ";
  // A stopped rank is named at half the time the others wait for it, before
  // they time out blaming whichever peer they waited on.
  auto timeout = worldOptions();
  if (!timeout)
    return fail(timeout.takeError());
  options.stopLimit = timeout->timeout / 2;
  return launchLocalRanks(options);
}

/// The threads ATen's kernels use: --threads, or the cores this process's
/// share of the machine has (ranks on one machine share its cores).
llvm::Expected<unsigned> chooseThreads() {
  if (!threadsOption().getNumOccurrences()) {
    std::optional<int64_t> local = envInt("LOCAL_WORLD_SIZE");
    return defaultKernelThreads(local > 1 ? std::min<int64_t>(*local, 1 << 20)
                                          : 1);
  }
  // More threads than a few per core only slow the kernels down; a huge
  // count would spend minutes creating threads.
  unsigned limit =
      std::max(64u, 4 * std::max(1u, std::thread::hardware_concurrency()));
  if (threadsOption() < 1 || static_cast<unsigned>(threadsOption()) > limit)
    return llvm::createStringError(
        "--threads must be between 1 and " + Twine(limit) +
        " (four times the hardware threads, at least 64), got " +
        Twine(threadsOption().getValue()));
  return static_cast<unsigned>(threadsOption());
}

/// Measures this machine and writes what the cost model needs. The link
/// is not measured: a local Gloo all-reduce's typical numbers stand in.
int writeCalibration(llvm::StringRef path) {
  llvm::Expected<unsigned> threads = chooseThreads();
  if (!threads)
    return fail(threads.takeError());
  llvm::Expected<OutputFile> out = OutputFile::open(path);
  if (!out)
    return fail(out.takeError());
  setNumThreads(*threads);
  if (!quiet)
    llvm::errs() << "ds-run: measuring GEMM, pointwise and copy throughput "
                    "with "
                 << *threads << " thread(s)...\n";
  out->os() << hardwareDescription(calibrate()) << "\n";
  if (llvm::Error err = out->commit())
    return fail(std::move(err));
  return 0;
}

/// Runs this process's rank of the training run.
int run() {
  if (listKernels) {
    for (const std::string &name : kernelNames())
      llvm::outs() << name << "\n";
    return 0;
  }

  if (deviceInfo) {
    llvm::outs() << describeCudaSupport() << "\n";
    return 0;
  }
  if (!calibratePath.empty())
    return writeCalibration(calibratePath);
  if (planPath.empty())
    return fail("no plan file given (ds-run --help shows the usage)");
  auto plan = readPlan(planPath);
  if (!plan)
    return fail(plan.takeError());
  if (dumpPlanFlag) {
    llvm::outs() << dumpPlan(*plan);
    return 0;
  }
  // Without --device, where the plan was compiled to run: a plan for CUDA
  // runs on the CPU where no GPU is visible, saying so.
  if (deviceOption.getNumOccurrences() == 0) {
    deviceOption = "cpu";
    auto planned = plan->metadata.find("device");
    if (planned != plan->metadata.end() && planned->second == "cuda") {
      if (llvm::Error err = prepareDevice(Device{Device::Kind::CUDA, 0})) {
        llvm::consumeError(std::move(err));
        llvm::errs() << "ds-run: the plan was compiled for cuda, but "
                     << describeCudaSupport() << ": running on the CPU\n";
      } else {
        deviceOption = "cuda";
      }
    }
  }
  auto device = parseDevice(deviceOption);
  if (!device)
    return fail("--device: " + llvm::toString(device.takeError()));

  if (numSteps == 0)
    return fail("--steps must be at least 1");
  if (!(timeoutSeconds > 0) || timeoutSeconds > 2e6)
    return fail("--timeout must lie in (0, 2000000] seconds");
  bool hasParameters = !plan->parameterTensors().empty();
  if (hasParameters && weightsPath.empty())
    return fail("the plan has parameters: give their values with --weights");
  if (!dumpGradsPath.empty() && plan->gradients.empty())
    return fail("--dump-grads: the plan lists no gradients");
  // Outputs that cannot be written are reported before any work.
  for (StringRef path :
       {StringRef(dumpLossPath), StringRef(dumpGradsPath), StringRef(savePath),
        StringRef(memoryReportPath), StringRef(profilePath)})
    if (!path.empty())
      if (llvm::Error err = OutputFile::check(path))
        return fail(std::move(err));

  auto options = worldOptions();
  if (!options)
    return fail(options.takeError());
  int64_t ranks = meshRanks(*plan);
  if (ranks != options->worldSize) {
    if (!haveLauncherEnvironment())
      return fail("the plan runs on " + Twine(ranks) +
                  " ranks (mesh: " + describeMesh(*plan) +
                  "): start it with ds-run -n " + Twine(ranks) +
                  ", or under a launcher that sets RANK and WORLD_SIZE "
                  "(torchrun, mpirun, srun)");
    return fail("the plan runs on " + Twine(ranks) + " rank" +
                (ranks == 1 ? "" : "s") + " (mesh: " + describeMesh(*plan) +
                "), but the launcher started " + Twine(options->worldSize));
  }
  int rank = options->rank;
  bool leader = rank == 0;
  // Each rank takes the GPU of its local rank; its collectives are NCCL's
  // unless DSC_COMM_BACKEND says otherwise (the executor refuses Gloo).
  if (device->isCuda()) {
    if (deviceOption == "cuda")
      device->index = options->localRank;
    else if (options->worldSize > 1)
      return fail("--device " + deviceOption +
                  ": several ranks take the GPU of their local rank; give "
                  "--device cuda");
    if (!std::getenv("DSC_COMM_BACKEND"))
      options->backend = "nccl";
  }
  if (llvm::Error err = prepareDevice(*device))
    return fail(std::move(err));
  if (allowTF32Option) {
    if (!device->isCuda())
      return fail("--allow-tf32 needs --device cuda");
    allowTF32(true);
  }

  llvm::Expected<unsigned> threads = chooseThreads();
  if (!threads)
    return fail(threads.takeError());
  setNumThreads(*threads);

  std::unique_ptr<World> world;
  if (options->worldSize > 1) {
    auto connected = connectWorld(*options);
    if (!connected)
      return fail(connected.takeError());
    world = std::move(*connected);
  }

  // The swap space, where the plan keeps state on NVMe. DSC_SWAP_FAULTS
  // injects I/O faults for tests (IoQueue.h: enospc=BYTES,eio=N,...).
  std::optional<SwapOptions> swap;
  if (!nvmePath.empty()) {
    swap.emplace();
    swap->directory = nvmePath;
    swap->queueDepth = swapQueueDepth;
    swap->blockBytes = uint64_t(swapBlockKiB) << 10;
    swap->stage = swapStaging;
    if (const char *faults = std::getenv("DSC_SWAP_FAULTS")) {
      auto parsed = parseIoFaults(faults);
      if (!parsed)
        return fail("DSC_SWAP_FAULTS: " + llvm::toString(parsed.takeError()));
      swap->faults = *parsed;
    }
  }
  auto executor = Executor::create(std::move(*plan), world.get(),
                                   swap ? &*swap : nullptr, *device);
  if (!executor)
    return fail(planPath + ": " + llvm::toString(executor.takeError()));
  Executor &exec = **executor;
  exec.setAsyncCollectives(asyncCollectivesOption == llvm::cl::BOU_UNSET
                               ? device->isCuda()
                               : asyncCollectivesOption == llvm::cl::BOU_TRUE);
  if (!exec.swapNotice().empty())
    llvm::errs() << "ds-run: rank " << rank << ": " << exec.swapNotice()
                 << "\n";

  // Load this rank's weights, inputs and first batch; then all ranks agree
  // that every one of them is ready before any step runs.
  std::optional<InputSource> source;
  auto load = [&]() -> llvm::Error {
    auto created =
        InputSource::create(exec.plan(), inputsPath, dataPath, batchSize);
    if (!created)
      return created.takeError();
    source.emplace(std::move(*created));
    if (!weightsPath.empty()) {
      auto weights = SafeTensorsFile::open(weightsPath);
      if (!weights)
        return weights.takeError();
      if (llvm::Error err = exec.loadWeights(*weights))
        return err;
    }
    if (llvm::Error err = failInputHook(rank))
      return err;
    return source->fill(exec, 0);
  };
  llvm::Error loadError = load();
  if (world) {
    auto failedRank = agreeOnStart(*world, static_cast<bool>(loadError));
    if (!failedRank) {
      if (loadError)
        return fail(std::move(loadError));
      return fail(failedRank.takeError());
    }
    if (*failedRank && !loadError)
      return fail("rank " + Twine(**failedRank) + " failed to start");
  }
  if (loadError)
    return fail(std::move(loadError));

  // The log replaces an older one only when the run succeeds.
  std::optional<OutputFile> lossFile;
  if (leader && !dumpLossPath.empty()) {
    llvm::Expected<OutputFile> out = OutputFile::open(dumpLossPath);
    if (!out)
      return fail(out.takeError());
    lossFile = std::move(*out);
  }

  for (unsigned step = 0; step < numSteps; ++step) {
    killHook(rank, step + 1);
    if (step > 0)
      if (llvm::Error err = source->fill(exec, step))
        return fail(std::move(err));
    // Gradient pieces are gathered from every rank.
    bool captureGradients =
        (leader || exec.hasPieces()) && step == 0 && !dumpGradsPath.empty();
    exec.setCaptureGradients(captureGradients);
    auto start = std::chrono::steady_clock::now();
    if (llvm::Error err = exec.step())
      return fail("step " + Twine(step + 1) + ": " +
                  llvm::toString(std::move(err)));
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    std::vector<TensorCopy> gradients;
    if (captureGradients) {
      exec.setCaptureGradients(false);
      gradients = exec.capturedGradients();
      if (llvm::Error err = exec.gatherGradientPieces(gradients))
        return fail("--dump-grads: " + llvm::toString(std::move(err)));
    }
    if (!leader)
      continue;
    double loss = exec.loss();
    if (!quiet) {
      char line[128];
      std::snprintf(line, sizeof(line), "step %u/%u  loss %.4f  %.1f ms\n",
                    step + 1, static_cast<unsigned>(numSteps), loss, ms);
      llvm::errs() << line;
    }
    if (lossFile)
      if (llvm::Error err = writeLossLine(*lossFile, step + 1, loss))
        return fail(std::move(err));
    if (captureGradients)
      if (llvm::Error err = writeTensors(dumpGradsPath, gradients))
        return fail(std::move(err));
  }

  // No rank leaves while another may still read from it.
  if (world)
    if (llvm::Error err = world->world().barrier())
      return fail(std::move(err));

  if (lossFile)
    if (llvm::Error err = lossFile->commit())
      return fail(std::move(err));
  // Parameter pieces are gathered from every rank.
  if (!savePath.empty() && (leader || exec.hasPieces())) {
    SafeTensorsWriter writer;
    writer.setMetadata("format", "pt");
    if (llvm::Error err = exec.addWholeParameters(leader ? &writer : nullptr))
      return fail("--save: " + llvm::toString(std::move(err)));
    if (leader)
      if (llvm::Error err = writer.write(savePath))
        return fail(std::move(err));
  }
  if (leader && !memoryReportPath.empty())
    if (llvm::Error err = writeMemoryReport(memoryReportPath, exec, *threads))
      return fail(std::move(err));
  if (leader && !profilePath.empty())
    if (llvm::Error err = writeProfile(profilePath, exec))
      return fail(std::move(err));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  threadsOption();
  llvm::cl::HideUnrelatedOptions(category);
  dsc::parseCommandLine(
      argc, argv,
      "ds-run: train with a compiled plan on the CPU\n\n"
      "  ds-run step.plan --weights model.safetensors \\\n"
      "      (--inputs batch.safetensors | --data tokens.bin --batch B) \\\n"
      "      --steps K [--dump-loss loss.jsonl] [--dump-grads "
      "grads.safetensors]\n"
      "      [--save final.safetensors] [-q] [--threads N]\n\n"
      "Many ranks: a plan compiled with --dp/--sp runs on the product of "
      "its mesh\n"
      "sizes. `ds-run -n N ...` starts N local ranks and prefixes their "
      "messages\n"
      "with `[rank r]`; if one fails, the others are stopped and ds-run "
      "names it.\n"
      "Under torchrun, mpirun or srun, each process runs the rank its "
      "environment\n"
      "names (RANK/WORLD_SIZE, OMPI_COMM_WORLD_*, SLURM_*; MASTER_ADDR and\n"
      "MASTER_PORT). --inputs and --data hold the global batch; rank 0 "
      "prints\n"
      "progress and writes --dump-loss, --dump-grads and --save.\n\n"
      "Testing: these environment variables inject failures for tests.\n"
      "  DSC_TEST_KILL_RANK=r DSC_TEST_KILL_STEP=k  rank r kills itself "
      "(SIGKILL)\n"
      "                                             before step k (from 1)\n"
      "  DSC_TEST_FAIL_INPUT_RANK=r                 rank r fails to load its "
      "inputs\n\n"
      "Errors print 'ds-run: error: ...' and exit with status 1.\n");
  if (numRanksOption.getNumOccurrences() && !listKernels && !dumpPlanFlag &&
      calibratePath.empty())
    return launch(argc, argv);
  return run();
}
