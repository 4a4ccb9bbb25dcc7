//===- SwapStaging.cpp - host buffers between swap files and a GPU --------===//

#include "dsc/Runtime/SwapStaging.h"
#include "dsc/Runtime/PlanMemory.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <map>
#include <optional>

using namespace dsc::rt;

SwapStaging dsc::rt::planSwapStaging(const Plan &plan) {
  SwapStaging staging;
  // The region that each swap file's transfer in flight holds.
  std::map<uint32_t, SwapStaging::Region> held;
  for (auto [index, inst] : llvm::enumerate(plan.instructions)) {
    std::optional<TransferKind> kind = transferKind(inst.kernel);
    if (!kind)
      continue;
    uint32_t file = kind->file(inst);
    if (plan.tensors[file].storage != Storage::Swapped)
      continue;
    if (kind->wait) {
      held.erase(file);
      continue;
    }
    uint64_t bytes = plan.tensors[file].numBytes();
    uint64_t alignment = bytes >= SwapStaging::kPageAlignment
                             ? SwapStaging::kPageAlignment
                             : SwapStaging::kMinAlignment;
    std::vector<SwapStaging::Region> taken;
    for (const auto &entry : held)
      taken.push_back(entry.second);
    llvm::sort(taken, [](const auto &a, const auto &b) {
      return a.offset < b.offset;
    });
    SwapStaging::Region region{0, bytes};
    for (bool moved = true; moved;) {
      moved = false;
      for (const SwapStaging::Region &other : taken)
        if (region.overlaps(other)) {
          region.offset = llvm::alignTo(other.offset + other.bytes, alignment);
          moved = true;
        }
    }
    held[file] = region;
    staging.regionOf[index] = region;
    staging.totalBytes =
        std::max(staging.totalBytes, region.offset + region.bytes);
  }
  return staging;
}

uint64_t dsc::rt::offloadHostBytes(const Plan &plan, bool gpu) {
  uint64_t host = storedBytes(plan, Storage::Host);
  uint64_t staging = gpu ? planSwapStaging(plan).totalBytes : 0;
  return llvm::SaturatingAdd(host, staging);
}
