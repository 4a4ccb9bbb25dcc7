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

#include <ATen/ATen.h>

namespace dsc::rt::kernels {

/// The operands and results of one instruction as ATen views.
struct KernelArgs {
  const Instruction &inst;
  llvm::ArrayRef<at::Tensor> operands;
  llvm::ArrayRef<at::Tensor> results;
  /// For collectives (KernelInfo::group): the instruction's group.
  const CollectiveGroup *group = nullptr;

  const at::Tensor &operand(size_t i) const { return operands[i]; }
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

/// Softmax probabilities of attention, grouped for GQA:
/// [B, Hkv, G*S, Skv] for query [B, Hq, S, D], key [B, Hkv, Skv, D] and
/// G = Hq / Hkv; row g*S + i is query head kv*G + g at position i.
/// (Gradient.cpp shares it with Neural.cpp.)
at::Tensor attentionProbs(const at::Tensor &query, const at::Tensor &key,
                          bool causal, double scale);

/// Flattens `tensor` to [N, last] (N = product of the leading dimensions).
inline at::Tensor flattenLeading(const at::Tensor &tensor) {
  int64_t last = tensor.dim() == 0 ? 1 : tensor.size(-1);
  return tensor.reshape({-1, last});
}

} // namespace dsc::rt::kernels

#endif // DSC_LIB_RUNTIME_KERNELS_ATENKERNEL_H
