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
// The flags are declared and checked in Flags.cpp; the passes and the
// pipeline are lib/Transforms and lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#include "CheckpointSearch.h"
#include "Flags.h"

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
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"

#include <limits>

using namespace llvm;
using namespace dsc::compile;

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

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  dsc::registerAllPassesAndPipelines();
  dsc::registerDSCConversionPasses();
  dsc::registerTrainingPipeline();
  std::optional<CompileFlags> flags = parseFlags(argc, argv);
  if (!flags)
    return 1;
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
  std::optional<dsc::rt::OutputFile> planOut = openOutput(flags->output);
  std::optional<dsc::rt::OutputFile> irOut = openOutput(flags->dumpIr);
  std::optional<dsc::rt::OutputFile> reportOut = openOutput(flags->report);
  std::optional<dsc::rt::OutputFile> traceOut = openOutput(flags->trace);
  if (!planOut || (!flags->dumpIr.empty() && !irOut) ||
      (!flags->report.empty() && !reportOut) ||
      (!flags->trace.empty() && !traceOut))
    return 1;
  Expected<dsc::Hardware> hardware = dsc::loadHardware(flags->hardware);
  if (!hardware)
    return fail(toString(hardware.takeError()));
  hardware->kernelThreads =
      flags->kernelThreads
          ? *flags->kernelThreads
          : dsc::rt::defaultKernelThreads(static_cast<unsigned>(
                std::min<int64_t>(flags->dp * flags->sp, UINT32_MAX)));

  mlir::MLIRContext context;
  context.loadDialect<mlir::ds::DSDialect, mlir::dsrt::DSRTDialect,
                      mlir::func::FuncDialect>();
  // Diagnostics name the file, line and op; a dump of the whole step would
  // bury them.
  context.printOpOnDiagnostic(false);
  SourceMgr sourceMgr;
  ShortDiagnosticHandler handler(sourceMgr, &context);
  std::string error;
  auto file = mlir::openInputFile(flags->input, &error);
  if (!file)
    return fail(error);
  // MLIR's parser recurses per nesting level: refuse what would overflow it.
  if (Error e = dsc::checkNesting(flags->input, file->getBuffer()))
    return fail(toString(std::move(e)));
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("cannot parse " + flags->input);

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
  if (flags->zeroStage == 3 && flags->memoryBudget && flags->ac != "auto" &&
      flags->dp * flags->sp > 1) {
    auto plannedBytesWith = [&](int64_t distance, int64_t keep,
                                dsc::Coalescing packed) -> Expected<uint64_t> {
      dsc::TrainingPipelineOptions candidate;
      setPipelineOptions(candidate, *flags);
      candidate.zeroCoalesce = packed.gathers;
      candidate.zeroCoalesceGradients = packed.gradients;
      candidate.zeroPrefetch = distance;
      candidate.zeroKeepWhole = keep;
      return plannedBytesOf(compileCandidate(
          candidate, formatv("with prefetch {0} and {1} parameters kept whole",
                             distance, keep)));
    };
    Expected<dsc::Zero3Choice> chosen = dsc::chooseZero3(
        *flags->memoryBudget, kMaxPrefetch, trainable, plannedBytesWith);
    if (!chosen)
      return fail(flags->input + ": " + toString(chosen.takeError()));
    zero3 = *chosen;
    searchedZero3 = true;
  }

  // The registered pipeline, as `ds-opt -ds-training-pipeline` runs it;
  // with --ac auto the layers' policies are chosen between its two halves.
  dsc::TrainingPipelineOptions options;
  setPipelineOptions(options, *flags);
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
  if (flags->memoryBudget && flags->offloadActivations != "none") {
    Expected<dsc::rt::Plan> all =
        compileCandidate(options, "with every activation offloaded");
    if (!all)
      return fail(flags->input + ": " + toString(all.takeError()));
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
        classes, *flags->memoryBudget, [&](int64_t kept) -> Expected<uint64_t> {
          // The options are not copyable: the final value is set below.
          options.offloadActivationMinBytes = minBytesKeeping(kept);
          return plannedBytesOf(compileCandidate(
              options, formatv("offloading activations of at least {0} "
                               "bytes",
                               minBytesKeeping(kept))));
        });
    if (!fit)
      return fail(flags->input + ": " + toString(fit.takeError()));
    activationFit = *fit;
    options.offloadActivationMinBytes = minBytesKeeping(fit->value);
  }
  mlir::PassManager stepPm(&context);
  dsc::addStepPipeline(stepPm, options);
  if (failed(stepPm.run(*module)))
    return fail("compilation of " + flags->input + " failed");
  std::optional<dsc::CheckpointChoice> choice;
  if (flags->ac == "auto") {
    Expected<dsc::CheckpointChoice> chosen = dsc::chooseCheckpointing(
        *module, *flags->memoryBudget, *hardware, options);
    if (!chosen)
      return fail(flags->input + ": " + toString(chosen.takeError()));
    choice = std::move(*chosen);
    options.ac = "none";
  }
  mlir::PassManager lowerPm(&context);
  dsc::addLoweringPipeline(
      lowerPm, options, choice ? choice->layers : std::vector<std::string>{});
  if (failed(lowerPm.run(*module)))
    return fail("compilation of " + flags->input + " failed");
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
    return fail("cannot emit a plan for " + flags->input);
  uint64_t plannedBytes =
      dsc::rt::profileMemory(*plan, hardware->kernelThreads).plannedBytes;
  if (flags->memoryBudget && plannedBytes > *flags->memoryBudget)
    return fail(formatv("{0}: the step needs {1} bytes per rank, more than "
                        "--memory-budget {2} ({3} bytes){4}",
                        flags->input, plannedBytes, flags->memoryBudgetText,
                        *flags->memoryBudget,
                        activationFit
                            ? " with every activation offloaded"
                            : "; --ac auto chooses what to recompute to fit")
                    .str());
  uint64_t hostBytes =
      dsc::rt::offloadHostBytes(*plan, flags->device == "cuda");
  if (flags->hostMemoryBudget && hostBytes > *flags->hostMemoryBudget) {
    uint64_t held = dsc::rt::storedBytes(*plan, dsc::rt::Storage::Host);
    return fail(formatv("{0}: the offloaded tensors need {1} bytes of host "
                        "memory per rank ({2} in host memory, {3} staging "
                        "the swap files' transfers), more than "
                        "--host-memory-budget {4} ({5} bytes): {6}",
                        flags->input, hostBytes, held, hostBytes - held,
                        flags->hostMemoryBudgetText, *flags->hostMemoryBudget,
                        held ? "offload to nvme rather than cpu, or shard "
                               "them over more ranks with --zero"
                             : "--overlap-transfers=false stages one "
                               "transfer at a time")
                    .str());
  }
  plan->metadata["source"] = flags->input;
  dsc::compile::describeTraining(*plan);
  plan->metadata["pipeline"] = pipeline;
  plan->metadata["device"] = flags->device;
  if (Error e = dsc::rt::validatePlan(*plan))
    return fail("internal error: the emitted plan is invalid: " +
                toString(std::move(e)));
  planOut->os() << dsc::rt::encodePlan(*plan);
  if (reportOut) {
    mlir::FailureOr<json::Value> report =
        dsc::reportStep(*module, *plan, *hardware);
    if (failed(report))
      return fail("cannot report on " + flags->input);
    json::Object checkpointing{{"policy", flags->ac}};
    if (flags->memoryBudget)
      checkpointing["budget_bytes"] =
          static_cast<int64_t>(*flags->memoryBudget);
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
      if (flags->hostMemoryBudget)
        (*offload)["host_memory_budget_bytes"] =
            static_cast<int64_t>(*flags->hostMemoryBudget);
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
    if (flags->zeroStage == 3) {
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
      return fail("cannot trace " + flags->input);
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
