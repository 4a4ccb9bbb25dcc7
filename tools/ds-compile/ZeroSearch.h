//===- ZeroSearch.h - ds-compile --zero 3 --memory-budget -------*- C++ -*-===//
//
// ZeRO stage 3's two memory-for-time choices, each the largest value that
// fits the memory budget: how many readers early each parameter gather is
// issued (-ds-zero prefetch: hides the gather behind compute where the
// runtime has a communication stream) and how many parameters keep the
// forward's gathered copy for the backward (-ds-zero keep-whole: one
// all-gather instead of two; the last layers' first, whose copies live
// shortest until the backward reads them). Each candidate is compiled and
// placed like the final compile, so the bytes it is accepted by are the
// bytes ds-run allocates.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOOLS_DS_COMPILE_ZEROSEARCH_H
#define DSC_TOOLS_DS_COMPILE_ZEROSEARCH_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace dsc {

struct Fit {
  /// The value chosen.
  int64_t value = 0;
  /// The step's planned bytes per rank with it, where compiled.
  uint64_t plannedBytes = 0;
  /// Candidates compiled to find it.
  unsigned candidates = 0;
};

/// The largest value in [0, max] whose step fits `budget`, by
/// `plannedBytes(value)` (a compile), assuming that a larger value never
/// takes less memory: `max` if that fits, otherwise a binary search, so
/// that about log2(max) candidates are compiled. 0 when even that does not
/// fit (the final compile then reports the step's bytes against the
/// budget).
llvm::Expected<Fit> largestFitting(
    int64_t max, uint64_t budget,
    llvm::function_ref<llvm::Expected<uint64_t>(int64_t)> plannedBytes);

} // namespace dsc

#endif // DSC_TOOLS_DS_COMPILE_ZEROSEARCH_H
