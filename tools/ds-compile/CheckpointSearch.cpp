//===- CheckpointSearch.cpp - ds-compile --ac auto ------------------------===//
//
// Candidates put `full` on the first f layers, `selective` on the next s
// and keep the rest whole (the earliest layers' activations live longest).
// For each s the least f that fits is found by bisection (memory falls as
// f grows), and of those the candidate with the least predicted recompute
// time wins: (L + 1) * log2(L) compiles for L layers at most.
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
  Search(ModuleOp step, const dsc::Hardware &hardware)
      : step(step), hardware(hardware) {}

  /// The layers of the step (its repeated forward blocks).
  unsigned countLayers();
  /// Compiles the candidate with `full` first layers then `selective`.
  Expected<Candidate> evaluate(unsigned full, unsigned selective);
  std::vector<std::string> layers(unsigned full, unsigned selective) const;
  unsigned compiled() const { return cache.size(); }

private:
  ModuleOp step;
  const dsc::Hardware &hardware;
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
  dsc::addLoweringPipeline(pm, "none", layers(full, selective));
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
  candidate.bytes = dsc::rt::profileMemory(*plan).staticBytes;
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
                         const Hardware &hardware) {
  Search search(step, hardware);
  unsigned numLayers = search.countLayers();
  std::optional<std::pair<unsigned, unsigned>> best;
  Candidate bestCandidate;
  uint64_t smallest = UINT64_MAX;
  for (unsigned selective = 0; selective <= numLayers; ++selective) {
    // The least number of full layers that fits, if any does.
    unsigned lo = 0, hi = numLayers - selective;
    Expected<Candidate> most = search.evaluate(hi, selective);
    if (!most)
      return most.takeError();
    smallest = std::min(smallest, most->bytes);
    if (most->bytes > budget)
      continue;
    while (lo < hi) {
      unsigned mid = (lo + hi) / 2;
      Expected<Candidate> candidate = search.evaluate(mid, selective);
      if (!candidate)
        return candidate.takeError();
      if (candidate->bytes <= budget)
        hi = mid;
      else
        lo = mid + 1;
    }
    Expected<Candidate> fit = search.evaluate(lo, selective);
    if (!fit)
      return fit.takeError();
    if (!best || fit->recompute < bestCandidate.recompute ||
        (fit->recompute == bestCandidate.recompute &&
         fit->bytes < bestCandidate.bytes)) {
      best = {lo, selective};
      bestCandidate = *fit;
    }
  }
  if (!best)
    return createStringError(formatv(
        "no activation checkpointing fits --memory-budget {0} bytes: the "
        "least any policy needs per rank is {1} bytes ({2} layers "
        "considered)",
        budget, smallest, numLayers));
  CheckpointChoice choice;
  choice.layers = search.layers(best->first, best->second);
  choice.plannedBytes = bestCandidate.bytes;
  choice.recomputeSeconds = bestCandidate.recompute;
  choice.candidates = search.compiled();
  return choice;
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
