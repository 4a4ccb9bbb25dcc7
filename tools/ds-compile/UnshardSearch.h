//===- UnshardSearch.h - ds-compile --zero 3 --memory-budget ----*- C++ -*-===//
//
// ZeRO stage 3's selective unsharding: how many parameters keep the
// forward's gathered copy for the backward (one all-gather instead of two)
// within the memory budget. -ds-zero's `keep-whole` takes them latest
// forward gather first (the last layers' copies live shortest until the
// backward reads them); each candidate is compiled and placed like the final
// compile, so the bytes it is accepted by are the bytes ds-run allocates.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOOLS_DS_COMPILE_UNSHARDSEARCH_H
#define DSC_TOOLS_DS_COMPILE_UNSHARDSEARCH_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace dsc {

struct UnshardChoice {
  /// Parameters that keep their forward copy (-ds-zero keep-whole).
  int64_t keepWhole = 0;
  /// The step's planned bytes per rank with them, where compiled.
  uint64_t plannedBytes = 0;
  /// Candidates compiled to find it.
  unsigned candidates = 0;
};

/// The largest keep-whole count in [0, parameters] whose step fits
/// `budget`, by `plannedBytes(keepWhole)` (a compile), assuming that
/// keeping more never takes less memory: all of them if that fits,
/// otherwise a binary search, so that about log2(parameters) candidates
/// are compiled. 0 when even that does not fit (the final compile then
/// reports the step's bytes against the budget).
llvm::Expected<UnshardChoice> chooseKeepWhole(
    int64_t parameters, uint64_t budget,
    llvm::function_ref<llvm::Expected<uint64_t>(int64_t)> plannedBytes);

} // namespace dsc

#endif // DSC_TOOLS_DS_COMPILE_UNSHARDSEARCH_H
