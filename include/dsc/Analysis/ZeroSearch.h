//===- ZeroSearch.h - ZeRO stage 3's choices within a budget ----*- C++ -*-===//
//
// ZeRO stage 3 trades memory for time three ways, and `ds-compile --zero 3
// --memory-budget` makes each choice by compiling candidates, so that the
// bytes a choice is accepted by are the bytes ds-run allocates:
//  - coalesced or sequential collectives (-ds-bucket-collectives
//    reduce-scatters and parameter-gathers): packing the gradients'
//    reduce-scatters into buckets keeps a bucket's gradients whole until
//    its last one is complete and copies them once more; packing adjacent
//    gathers copies the pieces into a bucket and out again. Gradients
//    reduced one by one, then also sequential gathers (DeepSpeed's
//    stage3_allgather_sequential), are chosen when those copies break the
//    budget;
//  - the prefetch distance (-ds-zero prefetch): how many readers early each
//    gather is issued, to hide it behind compute where the runtime has a
//    communication stream;
//  - selective unsharding (-ds-zero keep-whole): how many parameters keep
//    the forward's gathered copy for the backward (one all-gather instead of
//    two), the last layers' first, whose copies live shortest until the
//    backward reads them.
// No MLIR here: a candidate's bytes come from a callback.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_ZEROSEARCH_H
#define DSC_ANALYSIS_ZEROSEARCH_H

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

/// Which collectives are packed into buckets.
struct Coalescing {
  bool gradients = true;
  bool gathers = true;
};

struct Zero3Choice {
  Coalescing coalesce;
  int64_t prefetch = 1;
  int64_t keepWhole = 0;
  /// Candidates compiled to find it.
  unsigned candidates = 0;
};

/// The step's planned bytes per rank compiled with the given choices.
using Zero3Bytes = llvm::function_ref<llvm::Expected<uint64_t>(
    int64_t prefetch, int64_t keepWhole, Coalescing coalesce)>;

/// Chooses, in this order: the most coalescing that fits `budget` at
/// prefetch 1 (everything packed; gradients reduced one by one; gathers
/// sequential too), or failing that at prefetch 0 (when nothing fits, the
/// fewest copies, whose bytes the final compile reports); the longest
/// prefetch up to `maxPrefetch` that fits; then the most of `parameters`
/// kept whole that fit with it.
llvm::Expected<Zero3Choice> chooseZero3(uint64_t budget, int64_t maxPrefetch,
                                        int64_t parameters, Zero3Bytes bytes);

} // namespace dsc

#endif // DSC_ANALYSIS_ZEROSEARCH_H
