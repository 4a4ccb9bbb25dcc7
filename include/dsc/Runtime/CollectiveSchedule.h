//===- CollectiveSchedule.h - collectives that overlap compute --*- C++ -*-===//
//
// A plan lists its instructions in one order. A runtime may run the
// collectives that go over the network on a thread (CPU) or stream (GPU) of
// their own, in plan order among themselves, while the instructions after
// them go on, as long as nothing touches a collective's bytes before it is
// done: an instruction after a collective waits for it first when it reads
// bytes the collective writes, or writes bytes the collective reads or
// writes (the arena's bytes are reused once their last reader is done).
// `collectiveWaits` finds those points from the plan's memory layout alone,
// so the overlap is exactly as safe as the layout: no dependency is guessed.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_COLLECTIVESCHEDULE_H
#define DSC_RUNTIME_COLLECTIVESCHEDULE_H

#include "dsc/Runtime/Plan.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>
#include <vector>

namespace dsc::rt {

/// Where a tensor's bytes live, for overlap tests: the arena (space 0), the
/// constant section (-1), or the allocation of one tensor (1 + its index:
/// parameters, state, inputs, splat constants, host-offloaded tensors).
struct MemoryRegion {
  int64_t space = 0;
  uint64_t begin = 0;
  uint64_t end = 0;

  bool overlaps(const MemoryRegion &other) const {
    return space == other.space && begin < other.end && other.begin < end;
  }
  bool sameAs(const MemoryRegion &other) const {
    return space == other.space && begin == other.begin && end == other.end;
  }
};

/// The bytes tensor `index` of `plan` occupies.
MemoryRegion memoryRegion(const Plan &plan, uint32_t index);

/// For every instruction of `plan`: the index of the last instruction for
/// which `overlaps(i)` is true (one that runs beside the others, in order
/// among those) that must be complete before it starts, or -1 for none.
/// Waiting for one such instruction waits for every one before it too.
/// Instructions for which `overlaps` is true wait for none (they run in
/// order after each other); a transfer (reload/offload) is taken to read
/// and write all its tensors.
std::vector<int64_t> collectiveWaits(const Plan &plan,
                                     llvm::function_ref<bool(size_t)> overlaps);

} // namespace dsc::rt

#endif // DSC_RUNTIME_COLLECTIVESCHEDULE_H
