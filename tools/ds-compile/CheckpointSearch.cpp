//===- CheckpointSearch.cpp - ds-compile --ac auto ------------------------===//
//
// Candidates put `full` on the first f layers, `selective` on the next s
// and keep the rest whole (the earliest layers' activations live longest).
// Memory falls as f or s grows, so the least f that fits with s selective
// layers, f(s), falls as s grows: the search finds f(0) by bisection, then
// walks f(s) down for s = 1..L, and of the candidates that fit the one with
// the least predicted recompute time wins: at most 2L + log2(L) compiles.
// Each is a complete lowering and placement (~0.1 s at 32 Llama-3-8B
// layers), which makes the search exact for its candidates but not fast.
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
  std::optional<std::pair<unsigned, unsigned>> best;
  Candidate bestCandidate;
  uint64_t smallest = UINT64_MAX;
  auto fits = [&](unsigned full, unsigned selective) -> Expected<bool> {
    Expected<Candidate> candidate = search.evaluate(full, selective);
    if (!candidate)
      return candidate.takeError();
    smallest = std::min(smallest, candidate->bytes);
    if (candidate->bytes > budget)
      return false;
    if (!best || candidate->recompute < bestCandidate.recompute ||
        (candidate->recompute == bestCandidate.recompute &&
         candidate->bytes < bestCandidate.bytes)) {
      best = {full, selective};
      bestCandidate = *candidate;
    }
    return true;
  };
  // Keeping everything costs nothing: if it fits, it is the answer.
  Expected<bool> noneFits = fits(0, 0);
  if (!noneFits)
    return noneFits.takeError();
  // The least full layers that fit with s selective ones only falls as s
  // grows: walk that boundary, starting from a bisection at s = 0.
  unsigned full = numLayers;
  for (unsigned selective = 0; !*noneFits && selective <= numLayers;
       ++selective) {
    full = std::min(full, numLayers - selective);
    Expected<bool> fit = fits(full, selective);
    if (!fit)
      return fit.takeError();
    if (!*fit)
      continue;
    unsigned lo = 0;
    if (selective == 0) {
      // Bisection: fits(full) holds; find the least such.
      unsigned hi = full;
      while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        Expected<bool> midFits = fits(mid, selective);
        if (!midFits)
          return midFits.takeError();
        if (*midFits)
          hi = mid;
        else
          lo = mid + 1;
      }
      full = hi;
      continue;
    }
    while (full > 0) {
      Expected<bool> fewer = fits(full - 1, selective);
      if (!fewer)
        return fewer.takeError();
      if (!*fewer)
        break;
      --full;
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
