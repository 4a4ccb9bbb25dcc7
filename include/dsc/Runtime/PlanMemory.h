//===- PlanMemory.h - what a rank holds during a planned step ---*- C++ -*-===//
//
// The memory analysis of a compiled step, per rank (every rank runs the same
// plan): what the runtime allocates once (the arena, parameters, optimizer
// state, inputs, constants), the arena bytes live at every instruction, the
// peak and what makes it up. ds-compile --report prints it; ds-run checks
// the machine against staticBytes before allocating.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_PLANMEMORY_H
#define DSC_RUNTIME_PLANMEMORY_H

#include "dsc/Runtime/Plan.h"

#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <vector>

namespace dsc::rt {

/// What a byte of a rank's memory holds.
enum class MemoryKind : uint8_t {
  Parameter,
  OptimizerState,
  Input,
  Constant,
  /// Arena bytes of a parameter's gradient (one the optimizer reads).
  Gradient,
  /// Arena bytes a collective writes (all-to-all, all-reduce buckets, ...).
  CollectiveBuffer,
  /// Every other arena byte: activations and temporaries.
  Activation,
};
inline constexpr size_t kNumMemoryKinds = 7;

/// The elements the random draws (dropout_mask, uniform) take at a time: their
/// temporaries are two int64 tensors of at most this many elements.
inline constexpr int64_t kDropoutBlock = int64_t(1) << 20;

/// "parameters", "optimizer_state", "inputs", "constants", "gradients",
/// "collective_buffers" or "activations".
llvm::StringRef memoryKindName(MemoryKind kind);

/// Bytes by kind.
using MemoryBreakdown = std::array<uint64_t, kNumMemoryKinds>;

struct MemoryProfile {
  /// Bytes outside the arena, by kind: parameters, state, inputs and
  /// constants (splats written out at full size).
  MemoryBreakdown persistent{};
  /// What ds-run allocates before the first step: `persistent` and the
  /// arena.
  uint64_t staticBytes = 0;
  /// For every instruction, the arena bytes live while it runs. A byte is
  /// live from an instruction that writes it to the last one that reads
  /// what was written (the loss's bytes to the end of the step), whichever
  /// tensors (views included) name it.
  std::vector<uint64_t> liveArenaBytes;
  /// The instruction with the most live arena bytes (the first such).
  size_t peakInstruction = 0;
  /// Persistent bytes outside the arena plus liveArenaBytes at the peak:
  /// the least any placement of the arena could need.
  uint64_t peakBytes = 0;
  /// peakBytes by kind (sums to peakBytes). An arena byte named by several
  /// tensors while live (a gradient that is a view of an all-reduce bucket)
  /// counts once, as the first of their kinds in enum order.
  MemoryBreakdown peakBreakdown{};
  /// What the live arena bytes at the peak were written as: the result
  /// tensor and its instruction (views read later are not repeated),
  /// largest first.
  struct LiveTensor {
    uint32_t tensor;
    size_t writtenAt;
  };
  std::vector<LiveTensor> liveAtPeak;
  /// The most kernelWorkspaceBytes of any instruction (of those that do not
  /// run beside the others), and which.
  uint64_t peakWorkspaceBytes = 0;
  size_t peakWorkspaceInstruction = 0;
  /// Where some instructions run beside the others (marked `beside`: the
  /// updates ds-run runs on its side thread), the most workspace of those:
  /// one of them may run beside any other.
  uint64_t besideWorkspaceBytes = 0;
  /// What a step takes per rank: staticBytes plus peakWorkspaceBytes and
  /// besideWorkspaceBytes (kernels' temporaries are allocated beside the
  /// arena).
  uint64_t plannedBytes = 0;
};

/// The kind of every tensor of `plan`: its storage's for those outside the
/// arena; Gradient, CollectiveBuffer or Activation for arena tensors.
std::vector<MemoryKind> memoryKinds(const Plan &plan);

/// Bytes ds-run allocates once for `plan` (the arena, parameters, state,
/// inputs, constants and expanded splats), saturating at UINT64_MAX.
uint64_t staticMemoryBytes(const Plan &plan);

/// The bytes of the tensors of `storage`, saturating: those kept in swap
/// files (Storage::Swapped) or host memory (Storage::Host) are not part of
/// staticMemoryBytes.
uint64_t storedBytes(const Plan &plan, Storage storage);

/// Bytes the CPU kernel of instruction `index` allocates besides its
/// results when ATen runs with `threads` threads (ATen's temporaries:
/// attention's output, log-sum-exp and per-thread blocks, cross-entropy's
/// log-softmax, AdamW's denominator); 0 for kernels that allocate little.
uint64_t kernelWorkspaceBytes(const Plan &plan, size_t index, unsigned threads);

/// Whether attention with query/key head size `headSize` and value head
/// size `valueHeadSize` runs as ATen's fused CPU kernel (flash attention:
/// blocks of queries against blocks of keys with an online softmax, memory
/// linear in the sequence) rather than through its [B, H, S, Skv]
/// probabilities. The fused kernel needs equal head sizes.
inline bool fusedAttention(int64_t headSize, int64_t valueHeadSize) {
  return headSize == valueHeadSize;
}

/// Whether attention on CUDA runs as ATen's memory-efficient fused kernel
/// (forward and backward in blocks, memory linear in the sequence) rather
/// than through its probabilities: elements of at most 4 bytes (the kernel
/// has fp32, fp16 and bf16, not fp64) and equal head sizes, a multiple of
/// 8 up to 256.
inline bool efficientCudaAttention(size_t elementBytes, int64_t headSize,
                                   int64_t valueHeadSize) {
  return elementBytes <= 4 && headSize == valueHeadSize && headSize % 8 == 0 &&
         headSize <= 256;
}

/// Where an attention instruction's optional operands lie: the bias at
/// `biasOperand` (3 forward, 5 backward) when there is one, the sinks last
/// with `has_sinks`; -1 where absent.
struct AttentionOperands {
  int64_t bias = -1, sinks = -1;
};
inline AttentionOperands attentionOperands(const Instruction &inst,
                                           size_t biasOperand) {
  AttentionOperands where;
  size_t count = inst.operands.size();
  if (inst.getInt("has_sinks", 0) != 0 && count > biasOperand)
    where.sinks = static_cast<int64_t>(--count);
  if (count > biasOperand)
    where.bias = static_cast<int64_t>(biasOperand);
  return where;
}

/// How many of attention's saturated query rows (rows that see no key,
/// which ATen's fused kernels get wrong: Attention.cpp computes them in the
/// composite form) run at once: as many as keep their [.., R, Skv] scores
/// no larger than the [.., S, Dv] output, at least one. The memory plan
/// holds one block's temporaries, whatever the data masks.
inline int64_t saturatedRowBlock(int64_t queryLength, int64_t keyLength,
                                 int64_t valueHeadSize) {
  if (keyLength <= 0)
    return std::max<int64_t>(queryLength, 1);
  return std::max<int64_t>(
      1, std::min(queryLength, queryLength * valueHeadSize / keyLength));
}

/// How many rows of logits cross_entropy_grad (Gradient.cpp) takes at once:
/// as many as keep one block's log-softmax and nll_loss gradient (each
/// [rows, classes]) within 1 MiB, at least one. The memory plan holds one
/// block's two temporaries.
inline int64_t crossEntropyRowBlock(int64_t rows, int64_t classes,
                                    int64_t elementBytes) {
  int64_t bytes = std::max<int64_t>(classes * elementBytes, 1);
  return std::max<int64_t>(1, std::min(rows, (int64_t(1) << 20) / bytes));
}

/// The number of elements before dimension `dim` of `shape` (the product
/// of the sizes in front of it): where it is 1, pieces stacked along a new
/// leading dimension lie in memory as if concatenated along `dim`, so
/// all_gather and reduce_scatter need no reordering copy there.
inline int64_t elementsBefore(llvm::ArrayRef<int64_t> shape, int64_t dim) {
  int64_t n = 1;
  for (int64_t d = 0; d < dim && d < static_cast<int64_t>(shape.size()); ++d)
    n *= shape[d];
  return n;
}

/// The threads ds-run gives ATen by default on this machine when
/// `localRanks` ranks share it: its hardware threads divided among them.
unsigned defaultKernelThreads(unsigned localRanks);

/// Analyses a validated plan; kernels' workspace as with `threads` ATen
/// threads, the instructions marked `beside` (updates that run beside the
/// backward) beside any other.
MemoryProfile profileMemory(const Plan &plan, unsigned threads);

} // namespace dsc::rt

#endif // DSC_RUNTIME_PLANMEMORY_H
