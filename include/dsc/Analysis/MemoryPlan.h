//===- MemoryPlan.h - static arena assignment -------------------*- C++ -*-===//
//
// Places buffers with known sizes and lifetimes in one arena so that buffers
// alive at the same time never share bytes, and reports the peak.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_MEMORYPLAN_H
#define DSC_ANALYSIS_MEMORYPLAN_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <vector>

namespace dsc {

/// A buffer to place: `bytes` long, live from the instruction that writes it
/// (`firstUse`) to the last one that reads it (`lastUse`), inclusive. Two
/// buffers live at one instruction (an operand and a result) never overlap.
struct BufferLifetime {
  uint64_t bytes = 0;
  int64_t firstUse = 0;
  int64_t lastUse = 0;
};

/// The placement: one offset per buffer and the arena size.
struct MemoryPlan {
  std::vector<uint64_t> offsets;
  uint64_t peakBytes = 0;
};

/// Places `buffers` greedily, largest first, each at the lowest aligned
/// offset that does not overlap a placed buffer with an intersecting
/// lifetime. `alignment` must be a power of two.
MemoryPlan planMemory(llvm::ArrayRef<BufferLifetime> buffers,
                      uint64_t alignment);

/// The lower bound no placement can beat: the largest sum of the (aligned)
/// sizes of the buffers live at one instruction.
uint64_t liveBytesLowerBound(llvm::ArrayRef<BufferLifetime> buffers,
                             uint64_t alignment);

} // namespace dsc

#endif // DSC_ANALYSIS_MEMORYPLAN_H
