//===- CollectiveSchedule.cpp - where compute waits for collectives -------===//

#include "dsc/Runtime/CollectiveSchedule.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace dsc::rt;

MemoryRegion dsc::rt::memoryRegion(const Plan &plan, uint32_t index) {
  const TensorDesc &desc = plan.tensors[index];
  uint64_t bytes = desc.numBytes();
  switch (desc.storage) {
  case Storage::Arena:
    return {0, desc.offset, desc.offset + bytes};
  case Storage::Constant:
    // A splat gets a buffer of its own at load.
    if (desc.splat)
      return {1 + static_cast<int64_t>(index), 0, bytes};
    return {-1, desc.offset, desc.offset + bytes};
  default:
    return {1 + static_cast<int64_t>(index), 0, bytes};
  }
}

namespace {

/// What one instruction reads and writes.
struct Access {
  std::vector<MemoryRegion> reads, writes;

  bool touchesAny(const std::vector<MemoryRegion> &regions,
                  bool writesOnly) const {
    for (const MemoryRegion &mine : writesOnly ? writes : reads)
      for (const MemoryRegion &theirs : regions)
        if (mine.overlaps(theirs))
          return true;
    return false;
  }
};

Access accessOf(const Plan &plan, const Instruction &inst) {
  Access access;
  for (uint32_t t : inst.operands)
    access.reads.push_back(memoryRegion(plan, t));
  for (uint32_t t : inst.results)
    access.writes.push_back(memoryRegion(plan, t));
  // A transfer's direction is in its kernel; take both, to be safe.
  if (transferKind(inst.kernel)) {
    llvm::append_range(access.reads, access.writes);
    access.writes = access.reads;
  }
  return access;
}

/// Whether `later` must wait for `pending` to finish: it reads what
/// `pending` writes, or writes what `pending` reads or writes.
bool conflicts(const Access &later, const Access &pending) {
  return later.touchesAny(pending.writes, /*writesOnly=*/false) ||
         later.touchesAny(pending.writes, /*writesOnly=*/true) ||
         later.touchesAny(pending.reads, /*writesOnly=*/true);
}

} // namespace

std::vector<int64_t>
dsc::rt::collectiveWaits(const Plan &plan,
                         llvm::function_ref<bool(size_t)> overlaps) {
  std::vector<int64_t> waits(plan.instructions.size(), -1);
  // The overlapping instructions issued and not yet waited for, in order.
  std::vector<std::pair<size_t, Access>> pending;
  for (auto [index, inst] : llvm::enumerate(plan.instructions)) {
    Access access = accessOf(plan, inst);
    if (overlaps(index)) {
      pending.emplace_back(index, std::move(access));
      continue;
    }
    // The last pending one it conflicts with; the ones before it are done
    // by then too.
    auto last =
        std::find_if(pending.rbegin(), pending.rend(), [&](const auto &entry) {
          return conflicts(access, entry.second);
        });
    if (last == pending.rend())
      continue;
    waits[index] = static_cast<int64_t>(last->first);
    pending.erase(pending.begin(), last.base());
  }
  return waits;
}
