//===- SwapStaging.h - host buffers between swap files and a GPU -*- C++
//-*-===//
//
// The swap engine reads and writes host memory; a GPU's tensors are not
// that. The GPU runtime stages every transfer of a swap file through a
// region of one allocation of pinned host memory: a reload reads the file
// into its region and copies it to the device at its wait, an offload
// copies the device's bytes into its region and writes the file from it.
// A region is held from the transfer's start to its wait, so the plan's
// transfers in flight bound the allocation: planSwapStaging places each
// start's region at the lowest offset free of the regions held then
// (first fit in plan order), page-aligned when it is a page or more (the
// swap engine's usual direct-I/O alignment: no bounce buffers), else
// 64-byte aligned. Computed from the plan alone: ds-compile's report and
// ds-run agree on the bytes. No LibTorch.
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SWAPSTAGING_H
#define DSC_RUNTIME_SWAPSTAGING_H

#include "dsc/Runtime/Plan.h"

#include "llvm/ADT/DenseMap.h"

#include <cstdint>

namespace dsc::rt {

struct SwapStaging {
  /// The alignment of the allocation and of regions of at least this many
  /// bytes.
  static constexpr uint64_t kPageAlignment = 4096;
  /// The alignment of the smaller regions.
  static constexpr uint64_t kMinAlignment = 64;
  struct Region {
    uint64_t offset = 0, bytes = 0;
    bool overlaps(const Region &other) const {
      return offset < other.offset + other.bytes &&
             other.offset < offset + bytes;
    }
  };
  /// The instruction that starts each transfer of a swap file -> its
  /// region.
  llvm::DenseMap<size_t, Region> regionOf;
  /// The bytes of the allocation.
  uint64_t totalBytes = 0;
};

/// The staging regions of `plan`'s transfers of swap files (none when the
/// plan has none). `plan` must be valid (validatePlan: every transfer is
/// waited for within the step).
SwapStaging planSwapStaging(const Plan &plan);

/// The host memory `plan` takes per rank outside its device memory: the
/// tensors it keeps in host memory (Storage::Host), and on a GPU (`gpu`)
/// the staging of its swap transfers too; on a GPU all of it is pinned.
/// Saturates at UINT64_MAX.
uint64_t offloadHostBytes(const Plan &plan, bool gpu);

} // namespace dsc::rt

#endif // DSC_RUNTIME_SWAPSTAGING_H
