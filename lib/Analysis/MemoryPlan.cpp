//===- MemoryPlan.cpp - static arena assignment ---------------------------===//

#include "dsc/Analysis/MemoryPlan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <tuple>

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
  auto alignedSize = [&](size_t i) {
    return llvm::alignTo(std::max<uint64_t>(buffers[i].bytes, 1), alignment);
  };
  // The placed buffers' byte ranges [begin, end), sorted: the lowest gap
  // between those whose lifetimes intersect is found in one scan, without
  // sorting them per buffer.
  struct Range {
    uint64_t begin, end;
    size_t buffer;
    bool operator<(const Range &o) const {
      return std::tie(begin, end) < std::tie(o.begin, o.end);
    }
  };
  std::vector<Range> placed;
  for (size_t i : order) {
    const BufferLifetime &buffer = buffers[i];
    uint64_t size = alignedSize(i);
    uint64_t offset = 0;
    for (const Range &range : placed) {
      const BufferLifetime &other = buffers[range.buffer];
      if (other.lastUse < buffer.firstUse || buffer.lastUse < other.firstUse)
        continue;
      if (offset + size <= range.begin)
        break;
      offset = std::max(offset, range.end);
    }
    plan.offsets[i] = offset;
    plan.peakBytes = std::max(plan.peakBytes, offset + size);
    Range range{offset, offset + size, i};
    placed.insert(llvm::upper_bound(placed, range), range);
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
