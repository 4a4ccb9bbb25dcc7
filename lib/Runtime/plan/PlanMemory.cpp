//===- PlanMemory.cpp - what a rank holds during a planned step -----------===//
//
// Arena liveness is computed on bytes, not tensors: tensors may be views of
// one another (gradients inside an all-reduce bucket) and the arena reuses
// bytes. The arena is cut into segments at every tensor boundary; each
// segment's live intervals run from a write to the last read before the
// next write.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/PlanMemory.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <optional>
#include <set>
#include <thread>

using namespace dsc::rt;

llvm::StringRef dsc::rt::memoryKindName(MemoryKind kind) {
  static const char *const names[kNumMemoryKinds] = {
      "parameters", "optimizer_state",    "inputs",     "constants",
      "gradients",  "collective_buffers", "activations"};
  return names[static_cast<size_t>(kind)];
}

std::vector<MemoryKind> dsc::rt::memoryKinds(const Plan &plan) {
  std::vector<MemoryKind> kinds(plan.tensors.size(), MemoryKind::Activation);
  // A collective is a kernel that runs on the mesh.
  for (const Instruction &inst : plan.instructions)
    if (inst.has("mesh"))
      for (uint32_t t : inst.results)
        kinds[t] = MemoryKind::CollectiveBuffer;
  for (const auto &[param, grad] : plan.gradients)
    kinds[grad] = MemoryKind::Gradient;
  for (auto [index, desc] : llvm::enumerate(plan.tensors)) {
    switch (desc.storage) {
    case Storage::Parameter:
      kinds[index] = MemoryKind::Parameter;
      break;
    case Storage::Swapped:
    case Storage::Host:
      kinds[index] =
          desc.parameter ? MemoryKind::Parameter : MemoryKind::OptimizerState;
      break;
    case Storage::State:
      kinds[index] = MemoryKind::OptimizerState;
      break;
    case Storage::Input:
      kinds[index] = MemoryKind::Input;
      break;
    case Storage::Constant:
      kinds[index] = MemoryKind::Constant;
      break;
    case Storage::Arena:
      break;
    }
  }
  return kinds;
}

static MemoryBreakdown persistentBytes(const Plan &plan,
                                       llvm::ArrayRef<MemoryKind> kinds) {
  MemoryBreakdown bytes{};
  auto add = [&](MemoryKind kind, uint64_t n) {
    uint64_t &slot = bytes[static_cast<size_t>(kind)];
    slot = llvm::SaturatingAdd(slot, n);
  };
  add(MemoryKind::Constant, plan.constants.size());
  for (auto [index, desc] : llvm::enumerate(plan.tensors))
    if (desc.storage != Storage::Arena && !isOffloaded(desc.storage) &&
        (desc.storage != Storage::Constant || desc.splat))
      add(kinds[index], desc.numBytes());
  return bytes;
}

uint64_t dsc::rt::storedBytes(const Plan &plan, Storage storage) {
  uint64_t total = 0;
  for (const TensorDesc &desc : plan.tensors)
    if (desc.storage == storage)
      total = llvm::SaturatingAdd(total, desc.numBytes());
  return total;
}

uint64_t dsc::rt::staticMemoryBytes(const Plan &plan) {
  uint64_t total = plan.arenaBytes;
  for (uint64_t bytes : persistentBytes(plan, memoryKinds(plan)))
    total = llvm::SaturatingAdd(total, bytes);
  return total;
}

namespace {

/// The arena cut at every tensor boundary, and the segments each arena
/// tensor covers.
struct Segments {
  std::vector<uint64_t> bounds;
  /// Per tensor: [first, last) segment indices (empty for non-arena ones).
  std::vector<std::pair<size_t, size_t>> ranges;

  explicit Segments(const Plan &plan) : ranges(plan.tensors.size()) {
    for (const TensorDesc &desc : plan.tensors)
      if (desc.storage == Storage::Arena && desc.numBytes() > 0) {
        bounds.push_back(desc.offset);
        bounds.push_back(desc.offset + desc.numBytes());
      }
    llvm::sort(bounds);
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    for (auto [index, desc] : llvm::enumerate(plan.tensors)) {
      if (desc.storage != Storage::Arena || desc.numBytes() == 0)
        continue;
      auto at = [&](uint64_t offset) {
        return static_cast<size_t>(llvm::lower_bound(bounds, offset) -
                                   bounds.begin());
      };
      ranges[index] = {at(desc.offset), at(desc.offset + desc.numBytes())};
    }
  }
  uint64_t size(size_t segment) const {
    return bounds[segment + 1] - bounds[segment];
  }
};

/// One live interval of a segment and the tensors that name it during it.
struct Interval {
  size_t segment;
  int64_t start, end;
  std::vector<uint32_t> tensors;
};

/// Calls `close` on every live interval of every segment.
template <typename Fn>
void sweep(const Plan &plan, const Segments &segments, Fn close) {
  size_t numSegments = segments.bounds.empty() ? 0 : segments.bounds.size() - 1;
  std::vector<std::optional<Interval>> open(numSegments);
  auto finish = [&](size_t segment, int64_t end) {
    std::optional<Interval> &interval = open[segment];
    if (!interval)
      return;
    interval->end = std::min(interval->end, end);
    if (interval->end >= interval->start)
      close(*interval);
    interval.reset();
  };
  for (auto [i, inst] : llvm::enumerate(plan.instructions)) {
    int64_t at = static_cast<int64_t>(i);
    for (uint32_t t : inst.operands)
      for (size_t s = segments.ranges[t].first; s < segments.ranges[t].second;
           ++s)
        if (std::optional<Interval> &interval = open[s]) {
          interval->end = at;
          if (!llvm::is_contained(interval->tensors, t))
            interval->tensors.push_back(t);
        }
    for (uint32_t t : inst.results)
      for (size_t s = segments.ranges[t].first; s < segments.ranges[t].second;
           ++s) {
        // Read and rewritten here (in place): live once at `at`.
        finish(s, at - 1);
        open[s] = Interval{s, at, at, {t}};
      }
  }
  int64_t last = static_cast<int64_t>(plan.instructions.size()) - 1;
  for (size_t s = segments.ranges[plan.loss].first;
       s < segments.ranges[plan.loss].second; ++s)
    if (open[s])
      open[s]->end = last;
  for (size_t s = 0; s < numSegments; ++s)
    finish(s, last);
}

} // namespace

unsigned dsc::rt::defaultKernelThreads(unsigned localRanks) {
  return std::max(1u, std::thread::hardware_concurrency() /
                          std::max(localRanks, 1u));
}

MemoryProfile dsc::rt::profileMemory(const Plan &plan, unsigned threads) {
  MemoryProfile profile;
  std::vector<MemoryKind> kinds = memoryKinds(plan);
  profile.persistent = persistentBytes(plan, kinds);
  profile.staticBytes = staticMemoryBytes(plan);
  uint64_t outside = 0;
  for (uint64_t bytes : profile.persistent)
    outside = llvm::SaturatingAdd(outside, bytes);

  size_t n = plan.instructions.size();
  Segments segments(plan);
  std::vector<int64_t> delta(n + 1, 0);
  sweep(plan, segments, [&](const Interval &interval) {
    delta[interval.start] += segments.size(interval.segment);
    delta[interval.end + 1] -= segments.size(interval.segment);
  });
  profile.liveArenaBytes.resize(n);
  int64_t live = 0;
  for (size_t i = 0; i < n; ++i) {
    live += delta[i];
    profile.liveArenaBytes[i] = static_cast<uint64_t>(live);
    if (profile.liveArenaBytes[i] >
        profile.liveArenaBytes[profile.peakInstruction])
      profile.peakInstruction = i;
  }
  profile.peakBytes = llvm::SaturatingAdd(
      outside, n ? profile.liveArenaBytes[profile.peakInstruction] : 0);
  for (size_t i = 0; i < n; ++i) {
    uint64_t bytes = kernelWorkspaceBytes(plan, i, threads);
    if (plan.instructions[i].has("beside"))
      profile.besideWorkspaceBytes =
          std::max(profile.besideWorkspaceBytes, bytes);
    else if (bytes > profile.peakWorkspaceBytes) {
      profile.peakWorkspaceBytes = bytes;
      profile.peakWorkspaceInstruction = i;
    }
  }
  profile.plannedBytes = llvm::SaturatingAdd(
      profile.staticBytes, llvm::SaturatingAdd(profile.peakWorkspaceBytes,
                                               profile.besideWorkspaceBytes));

  // What the peak holds.
  profile.peakBreakdown = profile.persistent;
  int64_t peak = static_cast<int64_t>(profile.peakInstruction);
  std::set<std::pair<uint32_t, size_t>> atPeak;
  sweep(plan, segments, [&](const Interval &interval) {
    if (interval.start > peak || interval.end < peak)
      return;
    MemoryKind kind = MemoryKind::Activation;
    for (uint32_t t : interval.tensors)
      kind = std::min(kind, kinds[t]);
    // The first tensor is the one written.
    atPeak.insert({interval.tensors.front(), interval.start});
    profile.peakBreakdown[static_cast<size_t>(kind)] +=
        segments.size(interval.segment);
  });
  for (auto [tensor, writtenAt] : atPeak)
    profile.liveAtPeak.push_back({tensor, writtenAt});
  llvm::stable_sort(profile.liveAtPeak,
                    [&](const MemoryProfile::LiveTensor &a,
                        const MemoryProfile::LiveTensor &b) {
                      return plan.tensors[a.tensor].numBytes() >
                             plan.tensors[b.tensor].numBytes();
                    });
  return profile;
}
