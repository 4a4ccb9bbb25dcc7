//===- ZeroSearch.cpp - ZeRO stage 3's choices within a budget ------------===//

#include "dsc/Analysis/ZeroSearch.h"

llvm::Expected<dsc::Fit> dsc::largestFitting(
    int64_t max, uint64_t budget,
    llvm::function_ref<llvm::Expected<uint64_t>(int64_t)> plannedBytes) {
  Fit fit;
  auto fits = [&](int64_t value) -> llvm::Expected<bool> {
    ++fit.candidates;
    llvm::Expected<uint64_t> bytes = plannedBytes(value);
    if (!bytes)
      return bytes.takeError();
    if (*bytes > budget)
      return false;
    fit.value = value;
    fit.plannedBytes = *bytes;
    return true;
  };
  llvm::Expected<bool> all = fits(max);
  if (!all)
    return all.takeError();
  if (*all || max <= 0)
    return fit;
  // Invariant: `low` fits (or is 0), `high` does not.
  int64_t low = 0, high = max;
  while (high - low > 1) {
    int64_t mid = low + (high - low) / 2;
    llvm::Expected<bool> ok = fits(mid);
    if (!ok)
      return ok.takeError();
    (*ok ? low : high) = mid;
  }
  return fit;
}

llvm::Expected<dsc::Zero3Choice> dsc::chooseZero3(uint64_t budget,
                                                  int64_t maxPrefetch,
                                                  int64_t parameters,
                                                  Zero3Bytes bytes) {
  Zero3Choice choice;
  llvm::Expected<uint64_t> packed = bytes(1, 0, true);
  if (!packed)
    return packed.takeError();
  ++choice.candidates;
  if (*packed > budget) {
    llvm::Expected<uint64_t> sequential = bytes(1, 0, false);
    if (!sequential)
      return sequential.takeError();
    ++choice.candidates;
    choice.coalesce = *sequential > budget;
  }
  llvm::Expected<Fit> prefetch =
      largestFitting(maxPrefetch, budget, [&](int64_t distance) {
        return bytes(distance, 0, choice.coalesce);
      });
  if (!prefetch)
    return prefetch.takeError();
  choice.prefetch = prefetch->value;
  llvm::Expected<Fit> kept =
      largestFitting(parameters, budget, [&](int64_t keep) {
        return bytes(choice.prefetch, keep, choice.coalesce);
      });
  if (!kept)
    return kept.takeError();
  choice.keepWhole = kept->value;
  choice.candidates += prefetch->candidates + kept->candidates;
  return choice;
}
