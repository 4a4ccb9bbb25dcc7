//===- ds-compile.cpp - forward loss function to executable plan ----------===//
//
//   ds-compile model.mlir -o step.plan [--optimizer adamw|sgd] [--lr F] ...
//
// Runs the training pipeline (the same passes as `ds-opt
// -ds-training-pipeline`): ds-autodiff (backward + optimizer), with --dp or
// --sp ds-sequence-parallel (sharding, fused all-to-alls) and
// ds-bucket-collectives, clean-up (addStepPipeline); then, with --ac,
// ds-activation-checkpoint (--ac auto chooses the layers' policies within
// --memory-budget between the two halves, CheckpointSearch.h), ds-schedule
// and ds-lower-to-runtime (buffers and the static memory plan;
// addLoweringPipeline); then writes the plan file and, on request, a JSON
// report and a Perfetto trace on --hardware.
//
// Over 700 lines because every flag is declared, documented and checked
// here, beside the checks that span several of them; the passes and the
// pipeline are lib/Transforms and lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#include "CheckpointSearch.h"

#include "dsc/Analysis/ZeroSearch.h"

#include "dsc/Conversion/Passes.h"
#include "dsc/Dialect/DS/IR/DSDialect.h"
#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"
#include "dsc/Pipelines/TrainingPipeline.h"
#include "dsc/Runtime/AtomicFile.h"
#include "dsc/Runtime/BoundedNesting.h"
#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Runtime/SwapStaging.h"
#include "dsc/Target/PlanEmitter.h"
#include "dsc/Target/StepReport.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <cmath>
#include <limits>

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
             "to host memory and the new parameter comes back (12 bytes a "
             "parameter and step for AdamW in fp32 instead of 16; 4 with "
             "--offload-params cpu). Bit-identical. Default off"),
    cl::init(false), cl::cat(category));
static cl::opt<bool> overlapUpdates(
    "overlap-updates",
    cl::desc("Let each optimizer update run beside the backward of the "
             "layers before it (-ds-overlap-updates): ds-run's CPU runtime "
             "runs it, with the write back of its offloaded state, on a "
             "thread of its own, as ZeRO-Offload's host update; what it "
             "reads stays in memory for as many ops as the cost model says "
             "it takes (more planned bytes). Bit-identical; CPU plans only. "
             "Default off"),
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

namespace {

/// Diagnostics as MLIR prints them, with the source line only where it is
/// short: the importer writes a whole function signature, kilobytes long,
/// on one line, and a message must stay readable.
class ShortDiagnosticHandler : public mlir::SourceMgrDiagnosticHandler {
public:
  ShortDiagnosticHandler(SourceMgr &mgr, mlir::MLIRContext *context)
      : SourceMgrDiagnosticHandler(mgr, context) {
    setHandler([this](mlir::Diagnostic &diag) {
      emitDiagnostic(diag.getLocation(), diag.str(), diag.getSeverity(),
                     isShortLine(diag.getLocation()));
      for (mlir::Diagnostic &note : diag.getNotes())
        emitDiagnostic(note.getLocation(), note.str(), note.getSeverity(),
                       isShortLine(note.getLocation()));
      return mlir::success();
    });
  }

private:
  static constexpr size_t kMaxLine = 200;

  bool isShortLine(mlir::Location loc) {
    mlir::FileLineColLoc fileLoc;
    loc->walk([&](mlir::Location nested) {
      if (auto candidate = dyn_cast<mlir::FileLineColLoc>(nested)) {
        fileLoc = candidate;
        return mlir::WalkResult::interrupt();
      }
      return mlir::WalkResult::advance();
    });
    if (!fileLoc)
      return true;
    const MemoryBuffer *buffer = getBufferForFile(fileLoc.getFilename());
    if (!buffer)
      return true;
    StringRef text = buffer->getBuffer();
    for (unsigned line = 1; line < fileLoc.getLine() && !text.empty(); ++line)
      text = text.split('\n').second;
    return text.split('\n').first.size() <= kMaxLine;
  }
};

} // namespace

static int fail(const Twine &message) {
  WithColor::error(errs(), "ds-compile") << message << "\n";
  return 1;
}

/// The training pipeline's options, from the command line.
static void setPipelineOptions(dsc::TrainingPipelineOptions &options) {
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
  options.hostUpdates = hostUpdates;
  options.hardware = hardwareName;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  dsc::registerAllPassesAndPipelines();
  dsc::registerDSCConversionPasses();
  dsc::registerTrainingPipeline();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "ds-compile: compile a ds forward loss function (from ds-import) into "
      "a training-step plan for ds-run\n");
  if (dp < 1 || sp < 1)
    return fail("--dp and --sp must be at least 1");
  if (dp > kMaxRanks || sp > kMaxRanks || dp * sp > kMaxRanks)
    return fail("--dp x --sp is " + std::to_string(dp) + " x " +
                std::to_string(sp) + " ranks; dsc plans for at most " +
                std::to_string(kMaxRanks));
  if (weightDecay.getNumOccurrences() && !(weightDecay >= 0))
    return fail("--weight-decay must be at least 0 (torch.optim refuses "
                "negative values)");
  if (zeroStage < 0 || zeroStage > 3)
    return fail("--zero must be 0, 1, 2 or 3, not " +
                std::to_string(zeroStage));
  for (const cl::opt<std::string> *space :
       {&offloadOptimizer, &offloadParams, &offloadActivations})
    if (*space != "none" && *space != "cpu" && *space != "nvme")
      return fail("--" + space->ArgStr.str() +
                  " must be none, cpu or nvme, not '" + space->getValue() +
                  "'");
  if (hostUpdates && offloadOptimizer != "cpu")
    return fail("--host-updates runs the updates on the state in host "
                "memory: it needs --offload-optimizer cpu");
  if (offloadActivations != "none" && activationCheckpointing != "none")
    return fail("--offload-activations and --ac exclude each other: an "
                "activation is either recomputed or offloaded");
  if (kernelThreads.getNumOccurrences() &&
      (kernelThreads < 1 || kernelThreads > 4096))
    return fail("--kernel-threads must be between 1 and 4096");
  if (optimizer != "adamw" && optimizer != "sgd")
    return fail("--optimizer must be adamw or sgd, not '" + optimizer + "'");
  if (!(clipGradNorm >= 0) || !std::isfinite(clipGradNorm))
    return fail("--clip-grad-norm must be a positive number (or 0: no "
                "clipping), not " +
                llvm::formatv("{0}", clipGradNorm).str());
  if (!llvm::is_contained(
          {"none", "selective", "selective-comm", "full", "auto"},
          StringRef(activationCheckpointing)))
    return fail("--ac must be none, selective, selective-comm, full or auto, "
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
    return 1;
  if (activationCheckpointing == "auto" && !budget)
    return fail("--ac auto needs --memory-budget");

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
          return fail(paths[i].first + " and " + paths[j].first +
                      " name the same file, '" + paths[j].second + "'");
  }
  // The outputs, opened before any work: a path that cannot be written is
  // reported now, and what is there stays whole unless everything succeeds.
  auto openOutput = [](StringRef path) -> std::optional<dsc::rt::OutputFile> {
    if (path.empty())
      return std::nullopt;
    Expected<dsc::rt::OutputFile> out = dsc::rt::OutputFile::open(path);
    if (!out) {
      fail(toString(out.takeError()));
      return std::nullopt;
    }
    return std::move(*out);
  };
  std::optional<dsc::rt::OutputFile> planOut = openOutput(outputPath);
  std::optional<dsc::rt::OutputFile> irOut = openOutput(dumpIr);
  std::optional<dsc::rt::OutputFile> reportOut = openOutput(reportPath);
  std::optional<dsc::rt::OutputFile> traceOut = openOutput(tracePath);
  if (!planOut || (!dumpIr.empty() && !irOut) ||
      (!reportPath.empty() && !reportOut) || (!tracePath.empty() && !traceOut))
    return 1;
  Expected<dsc::Hardware> hardware = dsc::loadHardware(hardwareName);
  if (!hardware)
    return fail(toString(hardware.takeError()));
  std::string device = deviceName;
  if (device.empty())
    device = StringRef(hardwareName).starts_with("a100") ||
                     StringRef(hardwareName).starts_with("h100") ||
                     hardwareName == "h200"
                 ? "cuda"
                 : "cpu";
  if (device != "cpu" && device != "cuda")
    return fail("--device " + deviceName + ": expected cpu or cuda");
  if (overlapUpdates && device == "cuda")
    return fail("--overlap-updates is for CPU plans: ds-run's GPU runtime "
                "runs the updates in the stream's order");
  hardware->kernelThreads =
      kernelThreads.getNumOccurrences()
          ? kernelThreads.getValue()
          : dsc::rt::defaultKernelThreads(
                static_cast<unsigned>(std::min<int64_t>(dp * sp, UINT32_MAX)));

  mlir::MLIRContext context;
  context.loadDialect<mlir::ds::DSDialect, mlir::dsrt::DSRTDialect,
                      mlir::func::FuncDialect>();
  // Diagnostics name the file, line and op; a dump of the whole step would
  // bury them.
  context.printOpOnDiagnostic(false);
  SourceMgr sourceMgr;
  ShortDiagnosticHandler handler(sourceMgr, &context);
  std::string error;
  auto file = mlir::openInputFile(inputPath, &error);
  if (!file)
    return fail(error);
  // MLIR's parser recurses per nesting level: refuse what would overflow it.
  if (Error e = dsc::checkNesting(inputPath, file->getBuffer()))
    return fail(toString(std::move(e)));
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("cannot parse " + inputPath);

  // ZeRO stage 3 within a budget (ZeroSearch.h): coalesced or sequential
  // collectives, the longest prefetch, the most parameters kept whole.
  // Without a budget (or with --ac auto, which then chooses the
  // recomputation): one gather ahead, coalesced, nothing kept.
  constexpr int64_t kMaxPrefetch = 4;
  dsc::Zero3Choice zero3;
  bool searchedZero3 = false;
  int64_t trainable = 0;
  module->walk([&](mlir::func::FuncOp func) {
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      trainable +=
          func.getArgAttr(i, mlir::ds::DSDialect::kTrainableAttr) ? 1 : 0;
  });
  // A candidate of the searches below: the whole pipeline on a copy.
  auto compileCandidate = [&](const dsc::TrainingPipelineOptions &candidate,
                              const Twine &what) -> Expected<dsc::rt::Plan> {
    mlir::OwningOpRef<mlir::ModuleOp> copy = module->clone();
    mlir::PassManager pm(&context);
    dsc::addStepPipeline(pm, candidate);
    dsc::addLoweringPipeline(pm, candidate);
    if (failed(pm.run(*copy)))
      return createStringError("cannot compile " + what);
    mlir::FailureOr<dsc::rt::Plan> plan = dsc::emitPlan(*copy);
    if (failed(plan))
      return createStringError("cannot emit the plan of " + what);
    return std::move(*plan);
  };
  auto plannedBytesOf =
      [&](Expected<dsc::rt::Plan> plan) -> Expected<uint64_t> {
    if (!plan)
      return plan.takeError();
    return dsc::rt::profileMemory(*plan, hardware->kernelThreads).plannedBytes;
  };
  if (zeroStage == 3 && budget && activationCheckpointing != "auto" &&
      dp * sp > 1) {
    auto plannedBytesWith = [&](int64_t distance, int64_t keep,
                                dsc::Coalescing packed) -> Expected<uint64_t> {
      dsc::TrainingPipelineOptions candidate;
      setPipelineOptions(candidate);
      candidate.zeroCoalesce = packed.gathers;
      candidate.zeroCoalesceGradients = packed.gradients;
      candidate.zeroPrefetch = distance;
      candidate.zeroKeepWhole = keep;
      return plannedBytesOf(compileCandidate(
          candidate, formatv("with prefetch {0} and {1} parameters kept whole",
                             distance, keep)));
    };
    Expected<dsc::Zero3Choice> chosen =
        dsc::chooseZero3(*budget, kMaxPrefetch, trainable, plannedBytesWith);
    if (!chosen)
      return fail(inputPath + ": " + toString(chosen.takeError()));
    zero3 = *chosen;
    searchedZero3 = true;
  }

  // The registered pipeline, as `ds-opt -ds-training-pipeline` runs it;
  // with --ac auto the layers' policies are chosen between its two halves.
  dsc::TrainingPipelineOptions options;
  setPipelineOptions(options);
  options.zeroPrefetch = zero3.prefetch;
  options.zeroCoalesce = zero3.coalesce.gathers;
  options.zeroCoalesceGradients = zero3.coalesce.gradients;
  options.zeroKeepWhole = zero3.keepWhole;

  // Activations offloaded within a budget: the fewest, the largest first,
  // that make the step fit (the least traffic). The sizes come from a
  // compile that offloads them all; value k keeps the k smallest sizes in
  // memory (more memory as k grows).
  std::optional<dsc::Fit> activationFit;
  std::vector<uint64_t> activationSizes;
  if (budget && offloadActivations != "none") {
    Expected<dsc::rt::Plan> all =
        compileCandidate(options, "with every activation offloaded");
    if (!all)
      return fail(inputPath + ": " + toString(all.takeError()));
    for (const dsc::rt::TensorDesc &desc : all->tensors)
      if (dsc::rt::isOffloaded(desc.storage) && !desc.parameter &&
          StringRef(desc.name).starts_with("activation."))
        activationSizes.push_back(desc.numBytes());
    llvm::sort(activationSizes);
    activationSizes.erase(llvm::unique(activationSizes), activationSizes.end());
    int64_t classes = static_cast<int64_t>(activationSizes.size());
    auto minBytesKeeping = [&](int64_t kept) {
      return kept < classes ? static_cast<int64_t>(activationSizes[kept])
                            : std::numeric_limits<int64_t>::max();
    };
    Expected<dsc::Fit> fit = dsc::largestFitting(
        classes, *budget, [&](int64_t kept) -> Expected<uint64_t> {
          // The options are not copyable: the final value is set below.
          options.offloadActivationMinBytes = minBytesKeeping(kept);
          return plannedBytesOf(compileCandidate(
              options, formatv("offloading activations of at least {0} "
                               "bytes",
                               minBytesKeeping(kept))));
        });
    if (!fit)
      return fail(inputPath + ": " + toString(fit.takeError()));
    activationFit = *fit;
    options.offloadActivationMinBytes = minBytesKeeping(fit->value);
  }
  mlir::PassManager stepPm(&context);
  dsc::addStepPipeline(stepPm, options);
  if (failed(stepPm.run(*module)))
    return fail("compilation of " + inputPath + " failed");
  std::optional<dsc::CheckpointChoice> choice;
  if (activationCheckpointing == "auto") {
    Expected<dsc::CheckpointChoice> chosen =
        dsc::chooseCheckpointing(*module, *budget, *hardware, options);
    if (!chosen)
      return fail(inputPath + ": " + toString(chosen.takeError()));
    choice = std::move(*chosen);
    options.ac = "none";
  }
  mlir::PassManager lowerPm(&context);
  dsc::addLoweringPipeline(
      lowerPm, options, choice ? choice->layers : std::vector<std::string>{});
  if (failed(lowerPm.run(*module)))
    return fail("compilation of " + inputPath + " failed");
  std::string pipeline;
  {
    raw_string_ostream os(pipeline);
    os << "ds-training-pipeline";
    options.print(os);
    if (choice)
      os << " ds-activation-checkpoint{layers="
         << llvm::join(choice->layers, ",") << "}";
  }

  // The IR helps most when emission fails: it is written at once.
  if (irOut) {
    module->print(irOut->os());
    irOut->os() << "\n";
    if (Error e = irOut->commit())
      return fail(toString(std::move(e)));
  }

  mlir::FailureOr<dsc::rt::Plan> plan = dsc::emitPlan(*module);
  if (failed(plan))
    return fail("cannot emit a plan for " + inputPath);
  uint64_t plannedBytes =
      dsc::rt::profileMemory(*plan, hardware->kernelThreads).plannedBytes;
  if (budget && plannedBytes > *budget)
    return fail(formatv("{0}: the step needs {1} bytes per rank, more than "
                        "--memory-budget {2} ({3} bytes){4}",
                        inputPath, plannedBytes, memoryBudget, *budget,
                        activationFit
                            ? " with every activation offloaded"
                            : "; --ac auto chooses what to recompute to fit")
                    .str());
  uint64_t hostBytes = dsc::rt::offloadHostBytes(*plan, device == "cuda");
  if (hostBudget && hostBytes > *hostBudget) {
    uint64_t held = dsc::rt::storedBytes(*plan, dsc::rt::Storage::Host);
    return fail(formatv("{0}: the offloaded tensors need {1} bytes of host "
                        "memory per rank ({2} in host memory, {3} staging "
                        "the swap files' transfers), more than "
                        "--host-memory-budget {4} ({5} bytes): {6}",
                        inputPath, hostBytes, held, hostBytes - held,
                        hostMemoryBudget, *hostBudget,
                        held ? "offload to nvme rather than cpu, or shard "
                               "them over more ranks with --zero"
                             : "--overlap-transfers=false stages one "
                               "transfer at a time")
                    .str());
  }
  plan->metadata["source"] = inputPath;
  plan->metadata["optimizer"] =
      fusedOptimizer ? optimizer + " (fused)" : optimizer;
  if (clipGradNorm > 0)
    plan->metadata["clip_grad_norm"] = llvm::formatv("{0}", clipGradNorm);
  if (lrSchedule != "constant" || warmupSteps > 0)
    plan->metadata["lr_schedule"] =
        llvm::formatv("{0} (warm-up {1}, total {2}, min ratio {3})", lrSchedule,
                      warmupSteps, totalSteps, minLrRatio);
  plan->metadata["zero_stage"] = std::to_string(zeroStage);
  plan->metadata["pipeline"] = pipeline;
  plan->metadata["device"] = device;
  if (Error e = dsc::rt::validatePlan(*plan))
    return fail("internal error: the emitted plan is invalid: " +
                toString(std::move(e)));
  planOut->os() << dsc::rt::encodePlan(*plan);
  if (reportOut) {
    mlir::FailureOr<json::Value> report =
        dsc::reportStep(*module, *plan, *hardware);
    if (failed(report))
      return fail("cannot report on " + inputPath);
    json::Object checkpointing{{"policy", activationCheckpointing}};
    if (budget)
      checkpointing["budget_bytes"] = static_cast<int64_t>(*budget);
    checkpointing["planned_bytes"] = static_cast<int64_t>(plannedBytes);
    if (choice) {
      checkpointing["layers"] = json::Array(choice->layers);
      checkpointing["candidates_compiled"] =
          static_cast<int64_t>(choice->candidates);
    }
    (*report->getAsObject())["activation_checkpointing"] =
        std::move(checkpointing);
    if (json::Object *offload = report->getAsObject()->getObject("offload")) {
      (*offload)["host_memory_bytes_per_rank"] =
          static_cast<int64_t>(hostBytes);
      if (hostBudget)
        (*offload)["host_memory_budget_bytes"] =
            static_cast<int64_t>(*hostBudget);
    }
    if (activationFit) {
      // Which activations --memory-budget sent away, beside the offload
      // entry's bytes.
      int64_t kept = activationFit->value;
      json::Object chosen{
          {"min_bytes",
           static_cast<int64_t>(options.offloadActivationMinBytes)},
          {"size_classes", static_cast<int64_t>(activationSizes.size())},
          {"size_classes_kept", kept},
          {"candidates_compiled",
           static_cast<int64_t>(activationFit->candidates + 1)},
          {"rule", "the activations of at least min_bytes are offloaded: the "
                   "largest size classes, as few as make the step fit "
                   "--memory-budget (all of them where none fits)"}};
      (*report->getAsObject())["activation_offload"] = std::move(chosen);
    }
    if (zeroStage == 3) {
      json::Object zero{
          {"prefetch", static_cast<int64_t>(options.zeroPrefetch)},
          {"kept_whole", static_cast<int64_t>(options.zeroKeepWhole)},
          {"coalesced", zero3.coalesce.gathers},
          {"gradients_coalesced", zero3.coalesce.gradients},
          {"trainable_parameters", trainable},
          {"rule",
           "each parameter gather is issued `prefetch` readers early (up to " +
               std::to_string(kMaxPrefetch) +
               ", the most that fit --memory-budget; 1 without one); a "
               "kept parameter's forward gather serves the backward too (one "
               "all-gather instead of two): the latest forward gathers are "
               "kept first, as many as fit --memory-budget with that "
               "prefetch (none without one, or with --ac auto); gradients "
               "are reduce-scattered in buckets and adjacent gathers packed "
               "(coalesced) unless that breaks --memory-budget: then each "
               "gradient is reduced as soon as it is complete, and if that "
               "is not enough each gather has its own buffer too "
               "(sequential)"}};
      if (searchedZero3)
        zero["candidates_compiled"] = static_cast<int64_t>(zero3.candidates);
      (*report->getAsObject())["zero3"] = std::move(zero);
    }
    reportOut->os() << formatv("{0:2}", *report) << "\n";
  }
  if (traceOut) {
    mlir::FailureOr<json::Value> trace =
        dsc::traceStep(*module, *plan, *hardware);
    if (failed(trace))
      return fail("cannot trace " + inputPath);
    traceOut->os() << *trace << "\n";
  }
  // The plan, its report and trace replace what was there once all are
  // written; the plan first, so that a report never describes a plan that
  // is not there.
  if (Error e = planOut->commit())
    return fail(toString(std::move(e)));
  for (std::optional<dsc::rt::OutputFile> *out : {&reportOut, &traceOut})
    if (*out)
      if (Error e = (*out)->commit())
        return fail(toString(std::move(e)));
  return 0;
}
