//===- Flags.cpp - ds-compile's command line ------------------------------===//
//
// Every ds-compile flag, declared and documented, and the checks that span
// several of them; what the rest of the tool reads is a CompileFlags.
//
//===----------------------------------------------------------------------===//

#include "Flags.h"

#include "CheckpointSearch.h"

#include "dsc/Runtime/Plan.h"
#include "dsc/Tools/CommandLine.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

#include <cmath>

using namespace llvm;

static cl::OptionCategory category("ds-compile options");
static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.mlir>"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::Required,
                                       cl::desc("Output plan file"),
                                       cl::value_desc("step.plan"),
                                       cl::cat(category));
static cl::opt<std::string>
    optimizer("optimizer", cl::desc("Optimizer: adamw (default) or sgd"),
              cl::init("adamw"), cl::cat(category));
static cl::opt<std::string> activationCheckpointing(
    "ac",
    cl::desc("Activation checkpointing: none (default: keep every "
             "activation the backward reads), selective (recompute the "
             "attention core and pointwise chains), selective-comm (also the "
             "sequence-parallel all-to-alls), full (keep only each "
             "layer's input) or auto (a policy per layer: the least "
             "predicted recompute time within --memory-budget); loss and "
             "gradients are bit-identical with any of them"),
    cl::init("none"), cl::cat(category));
static cl::opt<bool> schedule(
    "schedule",
    cl::desc("Order the step to lower its peak: each parameter's update right "
             "after its gradient is complete (-ds-schedule; results are "
             "bit-identical; default on, --schedule=false to keep the order "
             "autodiff wrote)"),
    cl::init(true), cl::cat(category));
static cl::opt<std::string> memoryBudget(
    "memory-budget",
    cl::desc("The most memory the step may take per rank (what ds-run "
             "allocates for it: arena, parameters, optimizer state, inputs, "
             "constants, and the kernels' largest temporaries), as bytes or "
             "with a unit (KB, MB, GB, KiB, MiB, GiB...): --ac auto chooses "
             "within it; with another --ac, compiling fails if the step "
             "needs more"),
    cl::value_desc("SIZE"), cl::cat(category));
static cl::opt<std::string> hostMemoryBudget(
    "host-memory-budget",
    cl::desc("The most host memory the offloaded tensors may take per rank: "
             "those kept in host memory (--offload-* cpu) and, for "
             "--device cuda, the pinned buffer that stages the swap files' "
             "transfers (on a GPU all of it is pinned), as bytes or with a "
             "unit: compiling fails if the step needs more. The report's "
             "offload entry gives the bytes"),
    cl::value_desc("SIZE"), cl::cat(category));
static cl::opt<double> lr("lr", cl::desc("Learning rate (default 1e-3)"),
                          cl::init(1e-3), cl::cat(category));
static cl::opt<double> beta1("beta1", cl::desc("AdamW beta1 (default 0.9)"),
                             cl::init(0.9), cl::cat(category));
static cl::opt<double> beta2("beta2", cl::desc("AdamW beta2 (default 0.999)"),
                             cl::init(0.999), cl::cat(category));
static cl::opt<double> eps("eps", cl::desc("AdamW epsilon (default 1e-8)"),
                           cl::init(1e-8), cl::cat(category));
static cl::opt<double> weightDecay(
    "weight-decay",
    cl::desc("Weight decay (default: 0.01 for adamw, as torch.optim.AdamW; "
             "0 for sgd)"),
    cl::cat(category));
static cl::opt<double> momentum("momentum",
                                cl::desc("SGD momentum (default 0)"),
                                cl::init(0.0), cl::cat(category));
static cl::opt<std::string> lrSchedule(
    "lr-schedule",
    cl::desc("Learning rate schedule (adamw), as Hugging Face's "
             "get_{constant,linear,cosine}_schedule_with_warmup stepped after "
             "each optimizer step: constant (default), linear (to 0 at "
             "--total-steps) or cosine (to --min-lr-ratio x lr at "
             "--total-steps); AdamW's step count drives it"),
    cl::value_desc("constant|linear|cosine"), cl::init("constant"),
    cl::cat(category));
static cl::opt<int64_t> warmupSteps(
    "warmup-steps",
    cl::desc("Warm the learning rate up linearly from 0 over this many "
             "steps (default 0)"),
    cl::init(0), cl::cat(category));
static cl::opt<int64_t>
    totalSteps("total-steps",
               cl::desc("The steps over which linear and cosine decay, warm-up "
                        "included (num_training_steps)"),
               cl::init(0), cl::cat(category));
static cl::opt<double> minLrRatio(
    "min-lr-ratio",
    cl::desc("The cosine schedule's floor as a fraction of --lr (default 0; "
             "Hugging Face's min_lr_rate)"),
    cl::init(0.0), cl::cat(category));
static cl::opt<double> clipGradNorm(
    "clip-grad-norm",
    cl::desc("Scale the gradients to a global L2 norm of at most this before "
             "the updates, as torch.nn.utils.clip_grad_norm_(params, "
             "max_norm) does (default 0: no clipping); every update then "
             "waits for the last gradient"),
    cl::value_desc("MAX_NORM"), cl::init(0.0), cl::cat(category));
static cl::opt<bool> fusedOptimizer(
    "fused-optimizer",
    cl::desc("Run each update as torch.optim's fused=True does: ATen's "
             "fused AdamW/SGD kernel, one vectorised pass over parameter, "
             "gradient and state with no temporary (its rounding differs "
             "from the default for-loop form by an ulp; compare with "
             "fused=True)"),
    cl::init(false), cl::cat(category));
/// The most ranks a plan is compiled for (--dp x --sp): far beyond any
/// job's, and small enough that per-rank tables stay small.
constexpr int64_t kMaxRanks = 1 << 16;

/// Whether `a` and `b` name one file, whether or not it exists yet
/// (`x.plan`, `./x.plan`, `d/../x.plan`, a link to it).
static bool sameFile(StringRef a, StringRef b) {
  if (llvm::sys::fs::equivalent(a, b))
    return true;
  auto normal = [](StringRef path) {
    SmallString<256> full(path);
    (void)llvm::sys::fs::make_absolute(full);
    llvm::sys::path::remove_dots(full, /*remove_dot_dot=*/true);
    SmallString<256> parent;
    if (!llvm::sys::fs::real_path(llvm::sys::path::parent_path(full), parent))
      llvm::sys::path::append(parent, llvm::sys::path::filename(full));
    else
      parent = full;
    return std::string(parent);
  };
  return normal(a) == normal(b);
}

static cl::opt<int64_t> dp("dp",
                           cl::desc("Data-parallel ranks: the batch is split "
                                    "over them (default 1)"),
                           cl::init(1), cl::cat(category));
static cl::opt<int64_t> sp("sp",
                           cl::desc("Sequence-parallel ranks: the sequence is "
                                    "split over them, Ulysses-style; lengths "
                                    "and head counts they do not divide are "
                                    "padded, exactly (default 1)"),
                           cl::init(1), cl::cat(category));
static cl::opt<int64_t> zeroStage(
    "zero",
    cl::desc("ZeRO stage over every rank that holds a replica (all --dp x "
             "--sp ranks): 0 replicates everything; 1 shards the optimizer "
             "state; 2 also the gradients (reduce-scatter instead of "
             "all-reduce); 3 also the parameters (gathered before their "
             "readers in forward and again in backward; with "
             "--memory-budget, as many as fit keep the forward's copy for "
             "the backward). Default 0"),
    cl::value_desc("0|1|2|3"), cl::init(0), cl::cat(category));
static cl::opt<std::string> offloadOptimizer(
    "offload-optimizer",
    cl::desc("Where the optimizer state (each rank's piece under --zero) "
             "lives between steps: none (device memory, the default), cpu "
             "(host memory outside the plan's device memory; pinned on a "
             "GPU, a buffer of its own on the CPU runtime) or nvme (a swap "
             "file per tensor and rank under ds-run --nvme-path). Each "
             "tensor is read before its update and written back after it, "
             "the transfers overlapping compute by the cost model: only "
             "the state of the updates near the running one is in device "
             "memory"),
    cl::value_desc("none|cpu|nvme"), cl::init("none"), cl::cat(category));
static cl::opt<std::string> offloadParams(
    "offload-params",
    cl::desc("Where the parameters (each rank's piece under --zero 3) live "
             "between their readers: none (device memory, the default), cpu "
             "(host memory) or nvme (swap files under ds-run --nvme-path; "
             "ds-run loads the weights into them and --save reads them "
             "back). Each is read before its first reader in the forward "
             "(again where another parameter was read since: a tied "
             "embedding's output projection), in the backward and for its "
             "update, and the updated value written back, the transfers "
             "overlapping compute by the cost model"),
    cl::value_desc("none|cpu|nvme"), cl::init("none"), cl::cat(category));
static cl::opt<std::string> offloadActivations(
    "offload-activations",
    cl::desc("Where the activations the backward reads again wait for it: "
             "none (device memory, the default), cpu (host memory) or nvme "
             "(swap files under ds-run --nvme-path). Each is written out "
             "after the op that computes it and read back before the "
             "backward's first reader, the transfers overlapping compute "
             "by the cost model. With --memory-budget, only the largest, as "
             "few as make the step fit. Not with --ac"),
    cl::value_desc("none|cpu|nvme"), cl::init("none"), cl::cat(category));
static cl::opt<bool> overlapTransfers(
    "overlap-transfers",
    cl::desc("Start each offload read early enough, and wait for each write "
             "late enough, that compute on --hardware hides it, with at "
             "most the largest transfer's bytes in flight each way "
             "(-ds-place-transfers; default on, =false waits for each "
             "transfer at once)"),
    cl::init(true), cl::cat(category));
static cl::opt<std::string> transferBudget(
    "transfer-budget",
    cl::desc("The most bytes of offload transfers in flight each way, as "
             "bytes or with a unit: each holds a device buffer from its start "
             "to its wait, so this bounds what overlapping them costs in "
             "memory (--overlap-transfers; default the largest "
             "transfer's bytes)"),
    cl::value_desc("SIZE"), cl::cat(category));
static cl::opt<bool> hostUpdates(
    "host-updates",
    cl::desc("Run the optimizer updates on the host's processor, on the "
             "state where --offload-optimizer cpu keeps it, as "
             "ZeRO-Offload does (-ds-host-updates): the gradient goes out "
             "to host memory, the update reads and writes a master copy of "
             "the parameter kept there (loaded from the weights), and the "
             "new parameter comes back (8 bytes a parameter and step for "
             "AdamW in fp32 instead of 16; 4 with --offload-params cpu). "
             "Bit-identical. Default off"),
    cl::init(false), cl::cat(category));
static cl::opt<bool> overlapUpdates(
    "overlap-updates",
    cl::desc("Let each optimizer update run beside the backward of the "
             "layers before it (-ds-overlap-updates): ds-run runs it, "
             "with the write back of its offloaded state, on a "
             "thread of its own, as ZeRO-Offload's host update; what it "
             "reads stays in memory for as many ops as the cost model says "
             "it takes (more planned bytes). Bit-identical. On a GPU plan "
             "(with --host-updates) only the updates on the host go beside, "
             "the GPU going on with the backward meanwhile. Default off"),
    cl::init(false), cl::cat(category));
static cl::opt<std::string> seqDims(
    "seq-dims",
    cl::desc("Sequence dimension of model inputs, name:dim,... (default: 1 "
             "for every integer input; one without a dimension 1, such as "
             "a classifier's labels, or whose dimension 1 has size 1, such "
             "as a [B,1,S,S] mask, is whole on every sp rank)"),
    cl::value_desc("tokens:1,labels:1"), cl::cat(category));
static cl::opt<std::string> batchDims(
    "batch-dims",
    cl::desc("Batch dimension of model inputs, split over --dp, "
             "name:dim,... (default: 0 for every input that is split)"),
    cl::value_desc("tokens:1,labels:1"), cl::cat(category));
static cl::opt<std::string> reportPath(
    "report",
    cl::desc("Write a JSON report: persistent bytes by kind, the memory "
             "analysis (peak, its breakdown and instruction, the largest "
             "tensors live there, live bytes per instruction), the predicted "
             "step time on --hardware, instruction counts by kernel, the "
             "mesh, and the bytes every collective moves per step on each "
             "rank (docs/collectives.md gives the formulas)"),
    cl::value_desc("report.json"), cl::cat(category));
static cl::opt<std::string> tracePath(
    "trace",
    cl::desc("Write the planned schedule as a Chrome/Perfetto trace (open it "
             "in ui.perfetto.dev): each instruction's predicted time on "
             "--hardware and a counter of the bytes live"),
    cl::value_desc("trace.json"), cl::cat(category));
static cl::opt<std::string> hardwareName(
    "hardware",
    cl::desc("The machine the cost model plans for: a preset (cpu, "
             "a100-80gb, h100-80gb, h200) or a JSON description such as "
             "`ds-run --calibrate` writes (default cpu)"),
    cl::value_desc("name|hardware.json"), cl::init("cpu"), cl::cat(category));
static cl::opt<std::string> deviceName(
    "device",
    cl::desc("What the plan runs on, recorded in it: ds-run runs it there "
             "by default (cuda where a GPU is visible). cpu or cuda; "
             "default cuda when --hardware names a GPU preset (a100-80gb, "
             "h100-80gb, h200), else cpu"),
    cl::value_desc("cpu|cuda"), cl::cat(category));
static cl::opt<unsigned> kernelThreads(
    "kernel-threads",
    cl::desc("Threads each rank's CPU kernels will use (ds-run --threads), "
             "for the per-thread blocks of fused attention in the planned "
             "workspace (default: ds-run's default here, the hardware "
             "threads divided among --dp x --sp ranks)"),
    cl::value_desc("N"), cl::cat(category));
static cl::opt<std::string>
    dumpIr("dump-ir", cl::desc("Also write the lowered dsrt IR to this file"),
           cl::value_desc("step.mlir"), cl::cat(category));

int dsc::compile::fail(const Twine &message) {
  WithColor::error(errs(), "ds-compile") << message << "\n";
  return 1;
}

namespace {
std::nullopt_t refuse(const Twine &message) {
  dsc::compile::fail(message);
  return std::nullopt;
}
} // namespace

std::optional<dsc::compile::CompileFlags>
dsc::compile::parseFlags(int argc, char **argv) {
  cl::HideUnrelatedOptions(category);
  dsc::parseCommandLine(
      argc, argv,
      "ds-compile: compile a ds forward loss function (from ds-import) into "
      "a training-step plan for ds-run\n");
  if (dp < 1 || sp < 1)
    return refuse("--dp and --sp must be at least 1");
  if (dp > kMaxRanks || sp > kMaxRanks || dp * sp > kMaxRanks)
    return refuse("--dp x --sp is " + std::to_string(dp) + " x " +
                  std::to_string(sp) + " ranks; dsc plans for at most " +
                  std::to_string(kMaxRanks));
  if (weightDecay.getNumOccurrences() && !(weightDecay >= 0))
    return refuse("--weight-decay must be at least 0 (torch.optim refuses "
                  "negative values)");
  if (zeroStage < 0 || zeroStage > 3)
    return refuse("--zero must be 0, 1, 2 or 3, not " +
                  std::to_string(zeroStage));
  for (const cl::opt<std::string> *space :
       {&offloadOptimizer, &offloadParams, &offloadActivations})
    if (*space != "none" && *space != "cpu" && *space != "nvme")
      return refuse("--" + space->ArgStr.str() +
                    " must be none, cpu or nvme, not '" + space->getValue() +
                    "'");
  if (hostUpdates && offloadOptimizer != "cpu")
    return refuse("--host-updates runs the updates on the state in host "
                  "memory: it needs --offload-optimizer cpu");
  if (offloadActivations != "none" && activationCheckpointing != "none")
    return refuse("--offload-activations and --ac exclude each other: an "
                  "activation is either recomputed or offloaded");
  if (kernelThreads.getNumOccurrences() &&
      (kernelThreads < 1 || kernelThreads > 4096))
    return refuse("--kernel-threads must be between 1 and 4096");
  if (optimizer != "adamw" && optimizer != "sgd")
    return refuse("--optimizer must be adamw or sgd, not '" + optimizer + "'");
  if (!(clipGradNorm >= 0) || !std::isfinite(clipGradNorm))
    return refuse("--clip-grad-norm must be a positive number (or 0: no "
                  "clipping), not " +
                  llvm::formatv("{0}", clipGradNorm).str());
  if (!llvm::is_contained(
          {"none", "selective", "selective-comm", "full", "auto"},
          StringRef(activationCheckpointing)))
    return refuse("--ac must be none, selective, selective-comm, full or auto, "
                  "not '" +
                  activationCheckpointing + "'");
  // A size flag's bytes (none when not given); false when it is no size.
  auto parseSize = [](const cl::opt<std::string> &flag,
                      std::optional<uint64_t> &bytes) {
    if (flag.empty())
      return true;
    if ((bytes = dsc::parseByteSize(flag)))
      return true;
    fail("--" + flag.ArgStr + " must be a size such as 6GiB, 512MB or " +
         "1048576, not '" + flag + "'");
    return false;
  };
  std::optional<uint64_t> budget, hostBudget, inFlight;
  if (!parseSize(memoryBudget, budget) ||
      !parseSize(hostMemoryBudget, hostBudget) ||
      !parseSize(transferBudget, inFlight))
    return std::nullopt;
  if (activationCheckpointing == "auto" && !budget)
    return refuse("--ac auto needs --memory-budget");

  // Each output a file of its own, none of them the model.
  {
    std::vector<std::pair<std::string, StringRef>> paths = {
        {"the model", inputPath}, {"-o", outputPath}};
    for (const cl::opt<std::string> *option :
         {&dumpIr, &reportPath, &tracePath})
      if (!option->empty())
        paths.push_back({"--" + option->ArgStr.str(), *option});
    for (size_t i = 0; i < paths.size(); ++i)
      for (size_t j = i + 1; j < paths.size(); ++j)
        if (paths[i].second != "-" &&
            sameFile(paths[i].second, paths[j].second))
          return refuse(paths[i].first + " and " + paths[j].first +
                        " name the same file, '" + paths[j].second + "'");
  }
  std::string device = deviceName;
  if (device.empty())
    device = StringRef(hardwareName).starts_with("a100") ||
                     StringRef(hardwareName).starts_with("h100") ||
                     hardwareName == "h200"
                 ? "cuda"
                 : "cpu";
  if (device != "cpu" && device != "cuda")
    return refuse("--device " + deviceName + ": expected cpu or cuda");
  if (overlapUpdates && device == "cuda" && !hostUpdates)
    return refuse("--overlap-updates on a GPU plan takes --host-updates: "
                  "ds-run's GPU runtime runs the updates on the device in "
                  "the stream's order, only those on the host go beside");

  CompileFlags flags;
  flags.input = inputPath;
  flags.output = outputPath;
  flags.dumpIr = dumpIr;
  flags.report = reportPath;
  flags.trace = tracePath;
  flags.hardware = hardwareName;
  flags.device = device;
  if (kernelThreads.getNumOccurrences())
    flags.kernelThreads = kernelThreads.getValue();
  flags.dp = dp;
  flags.sp = sp;
  flags.zeroStage = zeroStage;
  flags.ac = activationCheckpointing;
  flags.offloadActivations = offloadActivations;
  flags.memoryBudgetText = memoryBudget;
  flags.memoryBudget = budget;
  flags.hostMemoryBudgetText = hostMemoryBudget;
  flags.hostMemoryBudget = hostBudget;
  return flags;
}

/// The training pipeline's options, from the command line.
void dsc::compile::setPipelineOptions(dsc::TrainingPipelineOptions &options,
                                      const CompileFlags &flags) {
  options.optimizer = optimizer;
  options.lr = lr;
  options.beta1 = beta1;
  options.beta2 = beta2;
  options.eps = eps;
  if (weightDecay.getNumOccurrences())
    options.weightDecay = weightDecay;
  options.momentum = momentum;
  options.fusedOptimizer = fusedOptimizer;
  options.clipGradNorm = clipGradNorm;
  options.lrSchedule = lrSchedule;
  options.warmupSteps = warmupSteps;
  options.totalSteps = totalSteps;
  options.minLrRatio = minLrRatio;
  options.ac = activationCheckpointing;
  options.schedule = schedule;
  options.dp = dp;
  options.sp = sp;
  options.seqDims = seqDims;
  options.batchDims = batchDims;
  options.zero = zeroStage;
  options.offloadOptimizer = offloadOptimizer;
  options.offloadParams = offloadParams;
  options.offloadActivations = offloadActivations;
  options.overlapTransfers = overlapTransfers;
  // Checked in main.
  options.transferBudget =
      static_cast<int64_t>(dsc::parseByteSize(transferBudget).value_or(0));
  options.overlapUpdates = overlapUpdates;
  // The GPU runtime's updates on the device go in the stream's order.
  options.overlapOnHostOnly = flags.device == "cuda";
  options.hostUpdates = hostUpdates;
  options.hardware = hardwareName;
}

void dsc::compile::describeTraining(rt::Plan &plan) {
  plan.metadata["optimizer"] =
      fusedOptimizer ? optimizer + " (fused)" : optimizer;
  if (clipGradNorm > 0)
    plan.metadata["clip_grad_norm"] = llvm::formatv("{0}", clipGradNorm);
  if (lrSchedule != "constant" || warmupSteps > 0)
    plan.metadata["lr_schedule"] =
        llvm::formatv("{0} (warm-up {1}, total {2}, min ratio {3})", lrSchedule,
                      warmupSteps, totalSteps, minLrRatio);
  plan.metadata["zero_stage"] = std::to_string(zeroStage);
}
