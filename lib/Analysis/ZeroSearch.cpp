//===- ZeroSearch.cpp - ZeRO stage 3's choices within a budget ------------===//

#include "dsc/Analysis/ZeroSearch.h"

#include <algorithm>
#include <iterator>

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
  // From the most coalesced (fewest collectives) to the fewest copies.
  const Coalescing levels[] = {{true, true}, {false, true}, {false, false}};
  Zero3Choice choice;
  // The first level that fits with a prefetch of 1, else of 0.
  auto firstFitting = [&](int64_t prefetch) -> llvm::Expected<bool> {
    for (Coalescing level : levels) {
      llvm::Expected<uint64_t> planned = bytes(prefetch, 0, level);
      if (!planned)
        return planned.takeError();
      ++choice.candidates;
      if (*planned <= budget) {
        choice.coalesce = level;
        return true;
      }
    }
    return false;
  };
  llvm::Expected<bool> withPrefetch = firstFitting(1);
  if (!withPrefetch)
    return withPrefetch.takeError();
  if (!*withPrefetch) {
    choice.prefetch = 0;
    llvm::Expected<bool> without = firstFitting(0);
    if (!without)
      return without.takeError();
    // Nothing fits: the fewest copies, whose bytes the final compile
    // reports against the budget.
    if (!*without) {
      choice.coalesce = levels[std::size(levels) - 1];
      return choice;
    }
  } else {
    llvm::Expected<Fit> prefetch =
        largestFitting(maxPrefetch, budget, [&](int64_t distance) {
          return bytes(distance, 0, choice.coalesce);
        });
    if (!prefetch)
      return prefetch.takeError();
    choice.prefetch = std::max<int64_t>(prefetch->value, 1);
    choice.candidates += prefetch->candidates;
  }
  llvm::Expected<Fit> kept =
      largestFitting(parameters, budget, [&](int64_t keep) {
        return bytes(choice.prefetch, keep, choice.coalesce);
      });
  if (!kept)
    return kept.takeError();
  choice.keepWhole = kept->value;
  choice.candidates += kept->candidates;
  return choice;
}
