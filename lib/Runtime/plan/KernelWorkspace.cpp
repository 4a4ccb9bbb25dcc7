//===- KernelWorkspace.cpp - what the CPU kernels allocate besides outputs ===//
//
// The temporaries ATen allocates inside dsc's CPU kernels (kernels/*.cpp),
// per kernel, from the instruction's tensor shapes: what the plan must add
// to the arena to predict what a step really takes. Each formula follows
// its kernel's code and is checked against the allocator's count by
// e2e/memory.test (measured within the workspace, within 5%); a kernel
// missing here allocates at most a few small tensors. Kept free of
// LibTorch so that ds-compile plans with it.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/PlanMemory.h"

#include "llvm/Support/MathExtras.h"

using namespace dsc::rt;

namespace {

uint64_t bytesOf(const Plan &plan, uint32_t tensor) {
  uint64_t bytes = plan.tensors[tensor].numBytes();
  return bytes == UINT64_MAX ? 0 : bytes;
}

/// Bytes of the [B, Hq, S, Skv] probabilities of an attention whose query
/// and key are `query` and `key`, and what its mask takes: the arange
/// indices (int64) and two boolean [S, Skv] tensors.
struct AttentionSizes {
  uint64_t probs = 0, mask = 0;
};
AttentionSizes attentionSizes(const Plan &plan, const Instruction &inst) {
  const TensorDesc &q = plan.tensors[inst.operands[0]];
  const TensorDesc &k = plan.tensors[inst.operands[1]];
  if (q.shape.size() != 4 || k.shape.size() != 4)
    return {};
  uint64_t s = q.shape[2], skv = k.shape[2];
  uint64_t probs = llvm::SaturatingMultiply<uint64_t>(
      bytesOf(plan, inst.operands[0]) / std::max<int64_t>(q.shape[3], 1), skv);
  // Saturating: a hostile plan's shapes must not wrap to a small estimate.
  uint64_t mask = llvm::SaturatingAdd(
      llvm::SaturatingMultiply<uint64_t>(8, s + skv),
      llvm::SaturatingMultiply<uint64_t>(2, llvm::SaturatingMultiply(s, skv)));
  return {probs, mask};
}

} // namespace

uint64_t dsc::rt::kernelWorkspaceBytes(const Plan &plan, size_t index) {
  const Instruction &inst = plan.instructions[index];
  const std::string &kernel = inst.kernel;
  if (kernel == "attention") {
    // Scores, then the softmax's probabilities while the scores live.
    AttentionSizes sizes = attentionSizes(plan, inst);
    return llvm::SaturatingAdd(
        llvm::SaturatingMultiply<uint64_t>(2, sizes.probs), sizes.mask);
  }
  if (kernel == "attention_grad") {
    // The forward's probabilities again, then dP and dScores beside them.
    AttentionSizes sizes = attentionSizes(plan, inst);
    return std::max(
        llvm::SaturatingAdd(llvm::SaturatingMultiply<uint64_t>(2, sizes.probs),
                            sizes.mask),
        llvm::SaturatingAdd<uint64_t>(
            llvm::SaturatingMultiply<uint64_t>(3, sizes.probs), 16));
  }
  if (kernel == "cross_entropy")
    // log_softmax of the logits, and the loss and total weight scalars.
    return llvm::SaturatingAdd<uint64_t>(bytesOf(plan, inst.operands[0]), 16);
  if (kernel == "cross_entropy_grad")
    // log_softmax and its gradient, and nll_loss's two scalars.
    return llvm::SaturatingAdd<uint64_t>(
        llvm::SaturatingMultiply<uint64_t>(2, bytesOf(plan, inst.operands[0])),
        16);
  if (kernel == "all_to_all") {
    // The pieces made contiguous in send order (unless split_dim is 0 and
    // all pieces are whole), and the receive buffer.
    uint64_t input = bytesOf(plan, inst.operands[0]);
    if (inst.getInt("split_dim") == 0 && !inst.has("real_sizes"))
      return input;
    return llvm::SaturatingAdd(input, bytesOf(plan, inst.results[0]));
  }
  if (kernel == "adamw_update")
    // The denominator sqrt(v) / c + eps, one parameter-sized tensor, and
    // three scalars.
    return llvm::SaturatingAdd<uint64_t>(bytesOf(plan, inst.operands[0]), 16);
  return 0;
}
