//===- AllocationCounter.h - bytes ATen allocates outside the arena -*- C++
//-*-===//
//
// The plan's memory is allocated once (the arena, parameters, state, inputs,
// constants); kernels that have no `out=` form, or whose result overlaps an
// operand, get their results from ATen's CPU allocator instead. The counter
// wraps that allocator so that ds-run can report what it really used:
// installed once per process, it counts the bytes of live ATen allocations
// and their high-water mark.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ALLOCATIONCOUNTER_H
#define DSC_RUNTIME_ALLOCATIONCOUNTER_H

#include <cstdint>

namespace dsc::rt::allocations {

/// Wraps ATen's CPU allocator (idempotent, thread-safe).
void install();

/// Bytes of the ATen CPU allocations made since install() still alive.
uint64_t liveBytes();

/// The most liveBytes() reached since the last resetPeak() (or install()).
uint64_t peakBytes();

/// Restarts the high-water mark at liveBytes().
void resetPeak();

} // namespace dsc::rt::allocations

#endif // DSC_RUNTIME_ALLOCATIONCOUNTER_H
