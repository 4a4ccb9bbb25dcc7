//===- MemoryPlan.cpp - static arena assignment ---------------------------===//

#include "dsc/Analysis/MemoryPlan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <map>
#include <numeric>

using namespace dsc;

MemoryPlan dsc::planMemory(llvm::ArrayRef<BufferLifetime> buffers,
                           uint64_t alignment) {
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first, then earliest, then by index: deterministic placement.
  llvm::stable_sort(order, [&](size_t a, size_t b) {
    if (buffers[a].bytes != buffers[b].bytes)
      return buffers[a].bytes > buffers[b].bytes;
    return buffers[a].firstUse < buffers[b].firstUse;
  });

  MemoryPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> placed;
  for (size_t i : order) {
    const BufferLifetime &buffer = buffers[i];
    uint64_t size =
        llvm::alignTo(std::max<uint64_t>(buffer.bytes, 1), alignment);
    // The byte ranges taken by placed buffers whose lifetimes intersect.
    std::vector<std::pair<uint64_t, uint64_t>> taken;
    for (size_t j : placed) {
      const BufferLifetime &other = buffers[j];
      if (other.lastUse < buffer.firstUse || buffer.lastUse < other.firstUse)
        continue;
      taken.push_back(
          {plan.offsets[j],
           plan.offsets[j] +
               llvm::alignTo(std::max<uint64_t>(other.bytes, 1), alignment)});
    }
    llvm::sort(taken);
    uint64_t offset = 0;
    for (auto [begin, end] : taken) {
      if (offset + size <= begin)
        break;
      offset = std::max(offset, end);
    }
    plan.offsets[i] = offset;
    plan.peakBytes = std::max(plan.peakBytes, offset + size);
    placed.push_back(i);
  }
  return plan;
}

uint64_t dsc::liveBytesLowerBound(llvm::ArrayRef<BufferLifetime> buffers,
                                  uint64_t alignment) {
  std::map<int64_t, int64_t> delta;
  for (const BufferLifetime &buffer : buffers) {
    int64_t size =
        llvm::alignTo(std::max<uint64_t>(buffer.bytes, 1), alignment);
    delta[buffer.firstUse] += size;
    delta[buffer.lastUse + 1] -= size;
  }
  int64_t live = 0, peak = 0;
  for (auto [instruction, change] : delta) {
    live += change;
    peak = std::max(peak, live);
  }
  return peak;
}
