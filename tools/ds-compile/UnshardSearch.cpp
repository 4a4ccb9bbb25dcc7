//===- UnshardSearch.cpp - ds-compile --zero 3 --memory-budget ------------===//

#include "UnshardSearch.h"

llvm::Expected<dsc::UnshardChoice> dsc::chooseKeepWhole(
    int64_t parameters, uint64_t budget,
    llvm::function_ref<llvm::Expected<uint64_t>(int64_t)> plannedBytes) {
  UnshardChoice choice;
  auto fits = [&](int64_t keep) -> llvm::Expected<bool> {
    ++choice.candidates;
    llvm::Expected<uint64_t> bytes = plannedBytes(keep);
    if (!bytes)
      return bytes.takeError();
    if (*bytes > budget)
      return false;
    choice.keepWhole = keep;
    choice.plannedBytes = *bytes;
    return true;
  };
  // Invariant: `low` fits (or is 0), `high` does not.
  int64_t low = 0, high = parameters;
  llvm::Expected<bool> all = fits(parameters);
  if (!all)
    return all.takeError();
  if (*all || parameters == 0)
    return choice;
  while (high - low > 1) {
    int64_t mid = low + (high - low) / 2;
    llvm::Expected<bool> ok = fits(mid);
    if (!ok)
      return ok.takeError();
    (*ok ? low : high) = mid;
  }
  return choice;
}
