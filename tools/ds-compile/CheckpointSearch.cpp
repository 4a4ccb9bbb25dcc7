//===- CheckpointSearch.cpp - ds-compile --ac auto ------------------------===//
//
// Candidates put `full` on the first f layers, `selective` on the next s
// and keep the rest whole (the earliest layers' activations live longest).
// The layers are the repeated blocks of one chain, alike, so a candidate's
// cost is a function of (f, s). Three compiles, all none, all full and all
// selective, fit the per-layer model: each full layer saves dF bytes and
// recomputes tF seconds, each selective layer dS and tS (the recompute time
// is exactly linear; the bytes nearly). Every (f, s) with f + s <= L is then
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

class Search {
public:
  Search(ModuleOp step, const dsc::Hardware &hardware, bool schedule)
      : step(step), hardware(hardware), schedule(schedule) {}

  /// The layers of the step (its repeated forward blocks).
  unsigned countLayers();
  /// Compiles the candidate with `full` first layers then `selective`.
  Expected<Candidate> evaluate(unsigned full, unsigned selective);
  std::vector<std::string> layers(unsigned full, unsigned selective) const;
  unsigned compiled() const { return cache.size(); }
  /// The candidate if it has been compiled.
  std::optional<Candidate> known(unsigned full, unsigned selective) const {
    auto it = cache.find({full, selective});
    if (it == cache.end())
      return std::nullopt;
    return it->second;
  }

private:
  ModuleOp step;
  const dsc::Hardware &hardware;
  bool schedule;
  unsigned numLayers = 0;
  std::map<std::pair<unsigned, unsigned>, Candidate> cache;
};

unsigned Search::countLayers() {
  auto trainStep =
      step.lookupSymbol<func::FuncOp>(ds::DSDialect::kTrainStepFunc);
  if (!trainStep)
    return 0;
  auto phases = dsc::computePhases(trainStep);
  if (failed(phases))
    return 0;
  dsc::ForwardChain chain = dsc::analyzeForwardChain(trainStep, *phases);
  numLayers = llvm::count_if(
      chain.blocks, [](const dsc::ForwardBlock &b) { return b.repeated; });
  return numLayers;
}

std::vector<std::string> Search::layers(unsigned full,
                                        unsigned selective) const {
  std::vector<std::string> policies;
  for (unsigned i = 0; i < numLayers; ++i)
    policies.push_back(i < full               ? "full"
                       : i < full + selective ? "selective"
                                              : "none");
  return policies;
}

Expected<Candidate> Search::evaluate(unsigned full, unsigned selective) {
  if (auto it = cache.find({full, selective}); it != cache.end())
    return it->second;
  OwningOpRef<ModuleOp> copy = step.clone();
  PassManager pm(step.getContext());
  dsc::addLoweringPipeline(pm, "none", layers(full, selective), schedule);
  if (failed(pm.run(*copy)))
    return createStringError(formatv(
        "cannot compile the candidate with {0} full and {1} selective layers",
        full, selective));
  FailureOr<dsc::rt::Plan> plan = dsc::emitPlan(*copy);
  if (failed(plan))
    return createStringError("cannot emit a candidate's plan");
  FailureOr<SmallVector<dsrt::KernelOp>> kernels =
      dsc::stepKernels(*copy, *plan);
  if (failed(kernels))
    return createStringError("cannot match a candidate's kernels");
  Candidate candidate;
  candidate.bytes = dsc::rt::profileMemory(*plan).plannedBytes;
  std::vector<dsc::InstructionTime> times =
      dsc::estimateTimes(*plan, *kernels, hardware);
  for (auto [index, time] : llvm::enumerate(times))
    if ((*kernels)[index].getRecompute())
      candidate.recompute += time.seconds;
  cache[{full, selective}] = candidate;
  return candidate;
}

} // namespace

Expected<dsc::CheckpointChoice>
dsc::chooseCheckpointing(ModuleOp step, uint64_t budget,
                         const Hardware &hardware, bool schedule) {
  Search search(step, hardware, schedule);
  unsigned numLayers = search.countLayers();
  auto choose = [&](unsigned full, unsigned selective,
                    const Candidate &candidate) {
    CheckpointChoice choice;
    choice.layers = search.layers(full, selective);
    choice.plannedBytes = candidate.bytes;
    choice.recomputeSeconds = candidate.recompute;
    choice.candidates = search.compiled();
    return choice;
  };
  // Keeping everything costs nothing: if it fits, it is the answer.
  Expected<Candidate> none = search.evaluate(0, 0);
  if (!none)
    return none.takeError();
  if (none->bytes <= budget)
    return choose(0, 0, *none);
  uint64_t smallest = none->bytes;
  if (numLayers > 0) {
    Expected<Candidate> full = search.evaluate(numLayers, 0);
    if (!full)
      return full.takeError();
    Expected<Candidate> selective = search.evaluate(0, numLayers);
    if (!selective)
      return selective.takeError();
    smallest = std::min({smallest, full->bytes, selective->bytes});
    double layers = numLayers;
    double savedFull = (double(none->bytes) - double(full->bytes)) / layers,
           savedSelective =
               (double(none->bytes) - double(selective->bytes)) / layers;
    double timeFull = full->recompute / layers,
           timeSelective = selective->recompute / layers;
    // What an uncompiled candidate needs beyond the model, learnt from
    // candidates that needed more than predicted.
    double margin = 0;
    auto predictedBytes = [&](unsigned f, unsigned s) {
      return double(none->bytes) - f * savedFull - s * savedSelective;
    };
    for (;;) {
      std::optional<std::pair<unsigned, unsigned>> best;
      double bestTime = 0, bestBytes = 0;
      for (unsigned f = 0; f <= numLayers; ++f)
        for (unsigned s = 0; f + s <= numLayers; ++s) {
          std::optional<Candidate> known = search.known(f, s);
          double bytes =
              known ? double(known->bytes) : predictedBytes(f, s) + margin;
          double time =
              known ? known->recompute : f * timeFull + s * timeSelective;
          if (bytes > double(budget))
            continue;
          if (!best || time < bestTime ||
              (time == bestTime && bytes < bestBytes)) {
            best = {f, s};
            bestTime = time;
            bestBytes = bytes;
          }
        }
      if (!best)
        break;
      auto [f, s] = *best;
      if (std::optional<Candidate> known = search.known(f, s))
        return choose(f, s, *known);
      Expected<Candidate> candidate = search.evaluate(f, s);
      if (!candidate)
        return candidate.takeError();
      smallest = std::min(smallest, candidate->bytes);
      margin =
          std::max(margin, double(candidate->bytes) - predictedBytes(f, s));
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
