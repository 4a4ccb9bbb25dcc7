//===- CheckpointSearch.cpp - ds-compile --ac auto ------------------------===//
//
// Candidates put `full` on the first f layers, `selective-comm` on the next
// c, `selective` on the next s and keep the rest whole (the earliest layers'
// activations live longest). The layers are the repeated blocks of one
// chain, alike, so a candidate's cost is a function of (f, c, s). A compile
// with every layer none, full, selective (and selective-comm when the
// forward pass has all-to-alls or all-gathers to recompute; otherwise c = 0)
// fits the per-layer model: each full layer saves dF bytes and recomputes
// tF seconds, and so on (the recompute time is exactly linear; the bytes
// nearly). Every (f, c, s) with f + c + s <= L is then
// priced analytically and the least recompute time whose predicted bytes
// fit wins: optimal for the chain under the model. It is compiled to check
// (a complete lowering and placement, ~0.1 s at 32 Llama-3-8B layers); where
// it needs more than predicted, the difference becomes a margin on every
// uncompiled prediction and the next best is tried. Compiled candidates are
// judged by their exact bytes, so the choice always fits.
//
//===----------------------------------------------------------------------===//

#include "CheckpointSearch.h"

#include "dsc/Analysis/ForwardChain.h"
#include "dsc/Analysis/StepPhases.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Pipelines/TrainingPipeline.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Target/PlanEmitter.h"
#include "dsc/Target/StepReport.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace llvm;

namespace {

struct Candidate {
  uint64_t bytes = 0;
  double recompute = 0;
};

/// How many layers get each policy, in this order from the first layer:
/// full, selective-comm, selective; the rest none.
struct Mix {
  unsigned full = 0, comm = 0, selective = 0;
  auto key() const { return std::make_tuple(full, comm, selective); }
  bool operator<(const Mix &other) const { return key() < other.key(); }
};

class Search {
public:
  Search(ModuleOp step, const dsc::Hardware &hardware,
         const dsc::TrainingPipelineOptions &lowering)
      : step(step), hardware(hardware), lowering(lowering) {}

  /// Counts the layers of the step (its repeated forward blocks) and
  /// whether its forward pass moves data between ranks (then
  /// selective-comm differs from selective).
  void analyze();
  unsigned numLayers = 0;
  bool hasDataCollectives = false;

  /// Compiles the candidate.
  Expected<Candidate> evaluate(Mix mix);
  std::vector<std::string> layers(Mix mix) const;
  unsigned compiled() const { return cache.size(); }
  /// The candidate if it has been compiled.
  std::optional<Candidate> known(Mix mix) const {
    auto it = cache.find(mix);
    if (it == cache.end())
      return std::nullopt;
    return it->second;
  }

private:
  ModuleOp step;
  const dsc::Hardware &hardware;
  const dsc::TrainingPipelineOptions &lowering;
  std::map<Mix, Candidate> cache;
};

void Search::analyze() {
  auto trainStep =
      step.lookupSymbol<func::FuncOp>(ds::DSDialect::kTrainStepFunc);
  if (!trainStep)
    return;
  auto phases = dsc::computePhases(trainStep);
  if (failed(phases))
    return;
  dsc::ForwardChain chain = dsc::analyzeForwardChain(trainStep, *phases);
  numLayers = llvm::count_if(
      chain.blocks, [](const dsc::ForwardBlock &b) { return b.repeated; });
  hasDataCollectives = llvm::any_of(chain.ops, [](Operation *op) {
    return isa<ds::AllToAllOp, ds::AllGatherOp>(op);
  });
}

std::vector<std::string> Search::layers(Mix mix) const {
  std::vector<std::string> policies;
  for (unsigned i = 0; i < numLayers; ++i)
    policies.push_back(i < mix.full              ? "full"
                       : i < mix.full + mix.comm ? "selective-comm"
                       : i < mix.full + mix.comm + mix.selective ? "selective"
                                                                 : "none");
  return policies;
}

Expected<Candidate> Search::evaluate(Mix mix) {
  if (std::optional<Candidate> candidate = known(mix))
    return *candidate;
  OwningOpRef<ModuleOp> copy = step.clone();
  PassManager pm(step.getContext());
  dsc::TrainingPipelineOptions options;
  options.schedule = lowering.schedule;
  options.hardware = lowering.hardware;
  options.overlapTransfers = lowering.overlapTransfers;
  options.transferBudget = lowering.transferBudget;
  dsc::addLoweringPipeline(pm, options, layers(mix));
  if (failed(pm.run(*copy)))
    return createStringError(
        formatv("cannot compile the candidate with {0} full, {1} "
                "selective-comm and {2} selective layers",
                mix.full, mix.comm, mix.selective));
  FailureOr<dsc::rt::Plan> plan = dsc::emitPlan(*copy);
  if (failed(plan))
    return createStringError("cannot emit a candidate's plan");
  FailureOr<SmallVector<dsrt::KernelOp>> kernels =
      dsc::stepKernels(*copy, *plan);
  if (failed(kernels))
    return createStringError("cannot match a candidate's kernels");
  Candidate candidate;
  candidate.bytes =
      dsc::rt::profileMemory(*plan, hardware.kernelThreads).plannedBytes;
  std::vector<dsc::InstructionTime> times =
      dsc::estimateTimes(*plan, *kernels, hardware);
  for (auto [index, time] : llvm::enumerate(times))
    if ((*kernels)[index].getRecompute())
      candidate.recompute += time.seconds;
  cache[mix] = candidate;
  return candidate;
}

} // namespace

Expected<dsc::CheckpointChoice>
dsc::chooseCheckpointing(ModuleOp step, uint64_t budget,
                         const Hardware &hardware,
                         const TrainingPipelineOptions &lowering) {
  Search search(step, hardware, lowering);
  search.analyze();
  unsigned numLayers = search.numLayers;
  auto choose = [&](Mix mix, const Candidate &candidate) {
    CheckpointChoice choice;
    choice.layers = search.layers(mix);
    choice.plannedBytes = candidate.bytes;
    choice.recomputeSeconds = candidate.recompute;
    choice.candidates = search.compiled();
    return choice;
  };
  // Keeping everything costs nothing: if it fits, it is the answer.
  Expected<Candidate> none = search.evaluate(Mix());
  if (!none)
    return none.takeError();
  if (none->bytes <= budget)
    return choose(Mix(), *none);
  uint64_t smallest = none->bytes;
  if (numLayers > 0) {
    // The per-layer model: bytes saved and seconds recomputed by one layer
    // of each policy, from the step with every layer so.
    struct PerLayer {
      double saved = 0, seconds = 0;
    } full, comm, selective;
    auto fit = [&](Mix everyLayer, PerLayer &perLayer) -> Error {
      Expected<Candidate> all = search.evaluate(everyLayer);
      if (!all)
        return all.takeError();
      smallest = std::min(smallest, all->bytes);
      perLayer.saved = (double(none->bytes) - double(all->bytes)) / numLayers;
      perLayer.seconds = all->recompute / numLayers;
      return Error::success();
    };
    if (Error err = fit({numLayers, 0, 0}, full))
      return std::move(err);
    if (Error err = fit({0, 0, numLayers}, selective))
      return std::move(err);
    if (search.hasDataCollectives)
      if (Error err = fit({0, numLayers, 0}, comm))
        return std::move(err);
    unsigned maxComm = search.hasDataCollectives ? numLayers : 0;
    auto predictedBytes = [&](Mix mix) {
      return double(none->bytes) - mix.full * full.saved -
             mix.comm * comm.saved - mix.selective * selective.saved;
    };
    // What an uncompiled candidate needs beyond the model, learnt from
    // candidates that needed more than predicted.
    double margin = 0;
    for (;;) {
      std::optional<Mix> best;
      double bestTime = 0, bestBytes = 0;
      for (unsigned f = 0; f <= numLayers; ++f)
        for (unsigned c = 0; c <= maxComm && f + c <= numLayers; ++c)
          for (unsigned s = 0; f + c + s <= numLayers; ++s) {
            Mix mix{f, c, s};
            std::optional<Candidate> known = search.known(mix);
            double bytes =
                known ? double(known->bytes) : predictedBytes(mix) + margin;
            double time = known ? known->recompute
                                : f * full.seconds + c * comm.seconds +
                                      s * selective.seconds;
            if (bytes > double(budget))
              continue;
            if (!best || time < bestTime ||
                (time == bestTime && bytes < bestBytes)) {
              best = mix;
              bestTime = time;
              bestBytes = bytes;
            }
          }
      if (!best)
        break;
      if (std::optional<Candidate> known = search.known(*best))
        return choose(*best, *known);
      Expected<Candidate> candidate = search.evaluate(*best);
      if (!candidate)
        return candidate.takeError();
      smallest = std::min(smallest, candidate->bytes);
      margin =
          std::max(margin, double(candidate->bytes) - predictedBytes(*best));
    }
  }
  return createStringError(formatv(
      "no activation checkpointing fits --memory-budget {0} bytes: the "
      "least any policy needs per rank is {1} bytes ({2} layers considered)",
      budget, smallest, numLayers));
}

std::optional<uint64_t> dsc::parseByteSize(StringRef text) {
  StringRef number =
      text.take_while([](char c) { return isDigit(c) || c == '.'; });
  StringRef unit = text.drop_front(number.size()).trim();
  double value = 0;
  if (number.empty() || number.getAsDouble(value))
    return std::nullopt;
  static const std::pair<StringRef, double> units[] = {
      {"", 1},
      {"b", 1},
      {"kb", 1e3},
      {"mb", 1e6},
      {"gb", 1e9},
      {"tb", 1e12},
      {"kib", 1024.0},
      {"mib", 1048576.0},
      {"gib", 1073741824.0},
      {"tib", 1099511627776.0}};
  for (auto [name, scale] : units)
    if (unit.equals_insensitive(name)) {
      double bytes = std::floor(value * scale);
      if (!std::isfinite(bytes) || bytes < 1 || bytes > 9.2e18)
        return std::nullopt;
      return static_cast<uint64_t>(bytes);
    }
  return std::nullopt;
}
