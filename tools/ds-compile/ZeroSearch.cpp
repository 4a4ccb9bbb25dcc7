//===- ZeroSearch.cpp - ds-compile --zero 3 --memory-budget ---------------===//

#include "ZeroSearch.h"

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
