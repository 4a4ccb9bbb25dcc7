//===- ATenKernel.h - what an ATen kernel function sees ---------*- C++ -*-===//
//
// Internal to lib/Runtime and the only runtime header that includes ATen.
// A kernel writes its results into the given views, which are the planned
// buffers (or temporaries when a result overlaps an operand); it never
// resizes them. Load-time checks (KernelRegistry.h) have already verified
// shapes, dtypes and attributes, so kernels read attributes without checks.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_KERNELS_ATENKERNEL_H
#define DSC_LIB_RUNTIME_KERNELS_ATENKERNEL_H

#include "KernelRegistry.h"

#include "dsc/Runtime/CollectiveSchedule.h"

#include <ATen/ATen.h>

#include <mutex>
#include <vector>

namespace dsc::rt::kernels {

/// One-element integer tensors as the host last read them (on a GPU each
/// `.item()` waits for every kernel enqueued before it). The executor
/// forgets a value when an instruction writes its bytes, so the step
/// counter that every AdamW update reads costs one synchronisation a step
/// rather than one an update. The CPU runtime keeps them too (no
/// synchronisation to save there, but every CPU run checks the
/// forgetting); updates that run beside read them on another thread.
class HostScalars {
public:
  explicit HostScalars(const Plan &plan) : plan(plan) {}

  /// Tensor `index` of the plan, whose view is `tensor`, on the host.
  int64_t readInt(uint32_t index, const at::Tensor &tensor) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const Entry &entry : entries)
      if (entry.index == index)
        return entry.value;
    int64_t value = tensor.item<int64_t>();
    entries.push_back({index, memoryRegion(plan, index), value});
    return value;
  }
  /// Tensor `index`'s bytes are (about to be) written.
  void written(uint32_t index) {
    std::lock_guard<std::mutex> lock(mutex);
    if (entries.empty())
      return;
    MemoryRegion region = memoryRegion(plan, index);
    llvm::erase_if(entries, [&](const Entry &entry) {
      return entry.region.overlaps(region);
    });
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex);
    entries.clear();
  }

private:
  struct Entry {
    uint32_t index;
    MemoryRegion region;
    int64_t value;
  };
  const Plan &plan;
  std::mutex mutex;
  std::vector<Entry> entries;
};

/// The operands and results of one instruction as ATen views.
struct KernelArgs {
  const Instruction &inst;
  llvm::ArrayRef<at::Tensor> operands;
  llvm::ArrayRef<at::Tensor> results;
  /// For collectives (KernelInfo::group): the instruction's group.
  const CollectiveGroup *group = nullptr;
  /// The executor's; null: read each time.
  HostScalars *scalars = nullptr;

  const at::Tensor &operand(size_t i) const { return operands[i]; }
  /// Operand `i`, a one-element integer tensor, on the host: through
  /// `scalars` where there are some.
  int64_t hostInt(size_t i) const {
    return scalars ? scalars->readInt(inst.operands[i], operands[i])
                   : operands[i].item<int64_t>();
  }
  /// Results are views over planned memory: writing into them is the point,
  /// so they are handed out mutable even though the array is const.
  at::Tensor &result(size_t i = 0) const {
    return const_cast<at::Tensor &>(results[i]);
  }
};

/// Returns `dims` as ATen's IntArrayRef.
inline at::IntArrayRef toIntArrayRef(const std::vector<int64_t> &dims) {
  return at::IntArrayRef(dims.data(), dims.size());
}

/// Copies `source` into `dest` unless both are the same memory (an in-place
/// update the plan asked for).
inline void copyUnlessSame(at::Tensor &dest, const at::Tensor &source) {
  if (dest.data_ptr() != source.data_ptr())
    dest.copy_(source);
}

/// What an attention adds to and masks out of its scaled scores.
struct AttentionOptions {
  double scale = 1.0;
  bool causal = false;
  /// With `causal`: query `i` sees keys `i - window < j <= i`; 0: no window.
  int64_t window = 0;
  /// Keys at positions `>= keyLength` are masked out; -1: none.
  int64_t keyLength = -1;
  /// Added to the scaled scores, broadcast to [B, Hq, S, Skv]; undefined:
  /// none.
  at::Tensor bias;
  /// Soft-capping: the scaled scores s become softcap * tanh(s / softcap)
  /// before the bias and the masks; 0: none.
  double softcap = 0.0;
  /// [Hq]: one more logit per head in every row's softmax, with no value;
  /// undefined: none.
  at::Tensor sinks;
  /// Scores whose bias is -inf become this instead (masked_fill after the
  /// biases: no gradient there, a row masked whole attends uniformly).
  std::optional<double> fill;
  /// Whether only the blocked composite form computes it.
  bool blocked() const {
    return softcap > 0 || sinks.defined() || fill.has_value();
  }
};

/// Checks the operands and attributes of an attention instruction, forward
/// or backward: query [B,Hq,S,D], key [B,Hkv,Skv,D], value [B,Hkv,Skv,Dv],
/// `scale`, `causal`, `window`, `key_length`, the bias at operand
/// `biasOperand` if the instruction has it and the sinks [Hq] (last, with
/// `has_sinks`). Returns the forward result's shape [B,Hq,S,Dv].
llvm::Expected<std::vector<int64_t>>
checkAttentionOperands(const CheckArgs &args, size_t biasOperand);

/// Reads an attention instruction's options; `biasOperand` is the index of
/// its optional bias operand (PlanMemory.h attentionOperands).
AttentionOptions attentionOptions(const KernelArgs &args, size_t biasOperand);

/// Attention through ATen's fused CPU kernel (flash attention; GQA
/// without repeating keys): the output [B,Hq,S,D] and the log-sum-exp of
/// every query's scores [B,Hq,S]. Only where fusedAttention(D, Dv).
std::pair<at::Tensor, at::Tensor>
flashAttention(const at::Tensor &query, const at::Tensor &key,
               const at::Tensor &value, const AttentionOptions &options);

/// The gradients of query, key and value for the fused kernel's `out`:
/// the forward is run again for its log-sum-exp, then ATen's fused
/// backward.
std::array<at::Tensor, 3>
flashAttentionBackward(const at::Tensor &gradOut, const at::Tensor &query,
                       const at::Tensor &key, const at::Tensor &value,
                       const at::Tensor &out, const AttentionOptions &options);

/// Attention on CUDA through ATen's memory-efficient kernel, where
/// efficientCudaAttention(D, Dv): the output [B,Hq,S,Dv]. Keys and values
/// of grouped heads are repeated to Hq heads (the kernel wants equal head
/// counts); the window, key length and bias go in as one additive bias.
at::Tensor efficientAttention(const at::Tensor &query, const at::Tensor &key,
                              const at::Tensor &value,
                              const AttentionOptions &options);

/// The gradients of query, key and value for efficientAttention's `out`:
/// the forward again for its log-sum-exp, then ATen's backward; grouped
/// heads' key and value gradients summed back to Hkv heads.
std::array<at::Tensor, 3>
efficientAttentionBackward(const at::Tensor &gradOut, const at::Tensor &query,
                           const at::Tensor &key, const at::Tensor &value,
                           const at::Tensor &out,
                           const AttentionOptions &options);

/// Attention in the composite form for blocks of query rows at a time
/// (saturatedRowBlock), written into `out` [B,Hq,S,Dv]: what the fused
/// kernels cannot compute (soft-capping, sinks), exact, with the
/// [.., R, Skv] temporaries of one block.
void blockedAttention(at::Tensor &out, const at::Tensor &query,
                      const at::Tensor &key, const at::Tensor &value,
                      const AttentionOptions &options);

/// blockedAttention's gradients of query, key and value, written into
/// `grads`, block by block (the probabilities recomputed); with `gradBias`
/// (the bias's shape), the bias's gradient too, and with `gradSinks` [Hq]
/// the sinks'.
void blockedAttentionBackward(std::array<at::Tensor, 3> &grads,
                              const at::Tensor &gradOut,
                              const at::Tensor &query, const at::Tensor &key,
                              const at::Tensor &value,
                              const AttentionOptions &options,
                              at::Tensor *gradBias = nullptr,
                              at::Tensor *gradSinks = nullptr);

/// Attention in the composite form, written into `out` [B,Hq,S,Dv]: where
/// no fused kernel applies, with [B,Hq,S,Skv] probabilities. Half types
/// compute in float32, the result rounded once (as PyTorch's math SDPA;
/// blockedAttention too).
void compositeAttention(at::Tensor &out, const at::Tensor &query,
                        const at::Tensor &key, const at::Tensor &value,
                        const AttentionOptions &options);

/// compositeAttention's gradients of query, key and value, written into
/// `grads`.
void compositeAttentionBackward(std::array<at::Tensor, 3> &grads,
                                const at::Tensor &gradOut,
                                const at::Tensor &query, const at::Tensor &key,
                                const at::Tensor &value,
                                const AttentionOptions &options);

/// Softmax probabilities of attention, grouped for GQA:
/// [B, Hkv, G*S, Skv] for query [B, Hq, S, D], key [B, Hkv, Skv, D] and
/// G = Hq / Hkv; row g*S + i is query head kv*G + g at position i.
/// (the composite forms, Attention.cpp).
at::Tensor attentionProbs(const at::Tensor &query, const at::Tensor &key,
                          const AttentionOptions &options);

/// Flattens `tensor` to [N, last] (N = product of the leading dimensions).
inline at::Tensor flattenLeading(const at::Tensor &tensor) {
  int64_t last = tensor.dim() == 0 ? 1 : tensor.size(-1);
  return tensor.reshape({-1, last});
}

} // namespace dsc::rt::kernels

#endif // DSC_LIB_RUNTIME_KERNELS_ATENKERNEL_H
