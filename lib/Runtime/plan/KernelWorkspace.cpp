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

#include <algorithm>

using namespace dsc::rt;

namespace {

uint64_t bytesOf(const Plan &plan, uint32_t tensor) {
  uint64_t bytes = plan.tensors[tensor].numBytes();
  return bytes == UINT64_MAX ? 0 : bytes;
}

/// Saturating a*b and a+b: a hostile plan's shapes must not wrap to a
/// small estimate.
uint64_t mul(uint64_t a, uint64_t b) { return llvm::SaturatingMultiply(a, b); }
uint64_t add(uint64_t a, uint64_t b) { return llvm::SaturatingAdd(a, b); }

/// `count` per-row statistics of a norm over the last dimension of operand
/// 0 (mean, rstd, ...), each at float or wider.
uint64_t normStatistics(const Plan &plan, const Instruction &inst,
                        uint64_t count) {
  const TensorDesc &input = plan.tensors[inst.operands[0]];
  int64_t elements = input.numElements();
  if (input.shape.empty() || elements < 0 || input.shape.back() <= 0)
    return 0;
  uint64_t rows = static_cast<uint64_t>(elements / input.shape.back());
  return mul(mul(count, std::max<uint64_t>(dtypeSize(input.dtype), 4)), rows);
}

/// A float32 tensor of operand 0's size where result 1 (a norm's weight
/// gradient) is float32 over a half input (Gradient.cpp: the product
/// converted for the sum).
uint64_t accumulatorCopy(const Plan &plan, const Instruction &inst) {
  if (inst.operands.empty() || inst.results.size() < 2)
    return 0;
  const TensorDesc &input = plan.tensors[inst.operands[0]];
  const TensorDesc &grad = plan.tensors[inst.results[1]];
  int64_t elements = input.numElements();
  if (grad.dtype == input.dtype || elements < 0)
    return 0;
  return mul(dtypeSize(grad.dtype), static_cast<uint64_t>(elements));
}

/// What an attention instruction's kernel allocates (Neural.cpp, Attention.cpp
/// and Gradient.cpp), from query [B,Hq,S,D], key [B,Hkv,Skv,D], the value's
/// head size Dv and its optional bias operand.
struct AttentionWorkspace {
  const Plan &plan;
  const Instruction &inst;
  size_t biasOperand;
  uint64_t b = 0, hq = 0, s = 0, skv = 0, d = 0, dv = 0, element = 4;
  bool valid = false;

  AttentionWorkspace(const Plan &plan, const Instruction &inst,
                     size_t biasOperand)
      : plan(plan), inst(inst), biasOperand(biasOperand) {
    const TensorDesc &q = plan.tensors[inst.operands[0]];
    const TensorDesc &k = plan.tensors[inst.operands[1]];
    const TensorDesc &v = plan.tensors[inst.operands[2]];
    if (q.shape.size() != 4 || k.shape.size() != 4 || v.shape.size() != 4)
      return;
    for (int64_t size : {q.shape[0], q.shape[1], q.shape[2], q.shape[3],
                         k.shape[2], v.shape[3]})
      if (size < 0)
        return;
    b = q.shape[0], hq = q.shape[1], s = q.shape[2], d = q.shape[3];
    skv = k.shape[2], dv = v.shape[3];
    element = dtypeSize(q.dtype);
    valid = true;
  }

  /// ATen's fused kernel is the CPU's: a plan for CUDA (metadata device)
  /// runs the composite form there.
  bool cuda() const {
    auto device = plan.metadata.find("device");
    return device != plan.metadata.end() && device->second == "cuda";
  }
  bool fused() const { return !cuda() && fusedAttention(d, dv); }
  /// ATen's memory-efficient CUDA kernel (Attention.cpp efficientAttention).
  bool efficient() const {
    return cuda() && efficientCudaAttention(element, d, dv);
  }
  bool hasBias() const {
    return attentionOperands(inst, biasOperand).bias >= 0;
  }
  bool hasSinks() const {
    return attentionOperands(inst, biasOperand).sinks >= 0;
  }
  /// Backward: whether the bias's gradient is a result (after the three,
  /// before the sinks').
  bool biasGradient() const {
    return inst.results.size() == (hasSinks() ? 5u : 4u);
  }
  bool structuralMask() const {
    return inst.getInt("window", 0) > 0 || inst.getInt("key_length", -1) >= 0;
  }

  /// The boolean [S, Skv] mask of masked keys and what builds it: the
  /// arange indices (int64) and a comparison's temporary.
  uint64_t maskedKeys() const {
    return add(mul(8, s + skv), mul(2, mul(s, skv)));
  }

  /// The [B,Hq,S,Skv] probabilities of the unfused kernel.
  uint64_t probs() const {
    return mul(mul(mul(b, hq), mul(s, skv)), accumulate());
  }

  /// The fused kernel's additive mask while the kernel runs: window and
  /// key length as -inf in [S, Skv], or that plus the bias broadcast where
  /// both exist (the bias alone is passed as it is).
  uint64_t fusedMask() const {
    if (!structuralMask())
      return 0;
    if (!hasBias())
      return mul(mul(s, skv), element);
    const TensorDesc &bias = plan.tensors[inst.operands[biasOperand]];
    uint64_t numel = mul(s, skv);
    if (bias.shape.size() == 4)
      numel = mul(numel, mul(std::max<int64_t>(bias.shape[0], 1),
                             std::max<int64_t>(bias.shape[1], 1)));
    return mul(numel, element);
  }
  /// The most building the mask takes: the boolean mask and its
  /// temporaries, the -inf mask, and the sum with the bias.
  uint64_t fusedMaskBuild() const {
    if (!structuralMask())
      return 0;
    uint64_t bytes = add(maskedKeys(), mul(mul(s, skv), element));
    return hasBias() ? add(bytes, fusedMask()) : bytes;
  }

  /// Attention.cpp fusedMask's search for query rows that see no key, beside
  /// the mask: the rows' maxima and their comparison, and with causality
  /// first the mask again with the future masked (and the boolean mask
  /// that masks it). Rows it finds run in the composite form, beside the
  /// plan.
  uint64_t saturationCheck() const {
    if (!hasBias() && !structuralMask())
      return 0;
    uint64_t lead = maskLead();
    uint64_t rows = mul(mul(lead, s), add(element, 2));
    if (!inst.getInt("causal", 0))
      return rows;
    // The boolean mask's own temporaries are gone by then.
    return add(rows, add(mul(mul(mul(lead, s), skv), element), mul(s, skv)));
  }

  /// The bias's leading dimensions (batch, heads) that the mask keeps.
  uint64_t maskLead() const {
    if (!hasBias())
      return 1;
    const TensorDesc &bias = plan.tensors[inst.operands[biasOperand]];
    if (bias.shape.size() != 4)
      return 1;
    return mul(std::max<int64_t>(bias.shape[0], 1),
               std::max<int64_t>(bias.shape[1], 1));
  }

  /// Whether a query row can see no key: with a bias (padding masks), or
  /// no key at all. A sliding window keeps the diagonal, a key length of
  /// at least one the first key.
  bool maySaturate() const {
    return hasBias() || inst.getInt("key_length", -1) == 0;
  }

  /// Rows that see no key (Attention.cpp saturated rows), when a mask can
  /// make them: the mask expanded and cloned with them unmasked, their
  /// indices, and the peak of the composite form of one block of them
  /// (saturatedRowBlock). Forward: scores and probabilities with their
  /// boolean checks, beside the rows' queries, bias or output. Backward:
  /// also the probabilities with dP and dScores and the rows' output
  /// gradient, or with a key- or value-sized product.
  uint64_t saturatedRows(bool grad) const {
    if (!maySaturate())
      return 0;
    return add(saturatedMask(), compositeBlock(grad, element));
  }

  /// The scores of one block of rows in the composite form, of elements
  /// of `bytes` (the float32 the blocked form computes half types in, or
  /// the operands' type where it patches a fused kernel's rows).
  uint64_t blockScores(uint64_t bytes) const {
    return mul(mul(mul(b, hq), mul(saturatedRowBlock(s, skv, dv), skv)), bytes);
  }

  /// The peak of the composite form of one block of rows (forward, or
  /// forward and backward with `grad`).
  uint64_t compositeBlock(bool grad, uint64_t bytes) const {
    uint64_t r = saturatedRowBlock(s, skv, dv), bh = mul(b, hq);
    uint64_t scores = blockScores(bytes);
    uint64_t rowsD = mul(mul(bh, r), mul(d, bytes)),
             rowsDv = mul(mul(bh, r), mul(dv, bytes));
    uint64_t biasRows =
        add(mul(mul(maskLead(), r), mul(skv, bytes)), mul(r, skv));
    uint64_t peak = add(add(mul(2, scores), mul(bh, mul(r, add(skv, 1)))),
                        std::max({rowsD, rowsDv, biasRows}));
    if (grad) {
      uint64_t keys = plan.tensors[inst.operands[1]].shape[1];
      uint64_t product =
          mul(mul(b, keys), mul(skv, mul(std::max(d, dv), bytes)));
      // dScores beside dP and the probabilities; then the key gradient's
      // product beside the probabilities, dScores and the rows' queries.
      peak = std::max({peak, add(mul(3, scores), rowsDv),
                       add(add(mul(2, scores), add(rowsDv, rowsD)), product)});
    }
    return peak;
  }

  /// Attention.cpp blockedAttention (soft-capping, a bias's gradient,
  /// sinks, a fill): every row's index, and the composite form of one block at
  /// a time; with `grad`, the block's tanh kept beside it for the cap's
  /// gradient and the block's bias gradient summed where the bias
  /// broadcasts. Sinks: the scores beside their concatenation with the
  /// sinks' column (the probabilities keep the column too). A fill: the
  /// block's booleans where the bias is -inf. The results are written in
  /// place.
  uint64_t blocked(bool grad) const {
    uint64_t wide = accumulate();
    uint64_t kept = grad && inst.has("softcap") ? blockScores(wide) : 0;
    uint64_t biasPart = grad && biasGradient() ? blockScores(wide) : 0;
    uint64_t column = mul(mul(mul(b, hq), saturatedRowBlock(s, skv, dv)), wide);
    uint64_t sinksPart =
        hasSinks() ? add(blockScores(wide), mul(3, column)) : 0;
    uint64_t filled =
        inst.has("fill")
            ? mul(mul(maskLead(), saturatedRowBlock(s, skv, dv)), skv)
            : 0;
    return add(
        add(add(mul(8, s), compositeBlock(grad, wide)), widenedCopies(grad)),
        add(add(kept, biasPart), add(sinksPart, filled)));
  }

  /// Attention.cpp widened: the composite forms' float32 copies of half
  /// operands (query, key, value) and of what they write (the output; in
  /// the backward the output gradient and the query, key, value and bias
  /// gradients, rounded into the results at the end).
  uint64_t widenedCopies(bool grad) const {
    if (!reduced())
      return 0;
    uint64_t keys = plan.tensors[inst.operands[1]].shape[1];
    uint64_t queries = mul(mul(b, hq), mul(s, d)),
             keysValues = mul(mul(b, keys), mul(skv, add(d, dv))),
             outputs = mul(mul(b, hq), mul(s, dv));
    uint64_t operands = add(queries, keysValues);
    if (!grad)
      return mul(4, add(operands, outputs));
    int64_t biasElements =
        biasGradient() ? plan.tensors[inst.results[3]].numElements() : 0;
    uint64_t biasGrad =
        static_cast<uint64_t>(std::max<int64_t>(biasElements, 0));
    return mul(4, add(add(mul(2, operands), outputs), add(biasGrad, hq)));
  }
  /// The mask with saturated rows unmasked and their indices, while the
  /// fused kernel runs.
  uint64_t saturatedMask() const {
    if (!maySaturate())
      return 0;
    return add(mul(mul(maskLead(), s), mul(skv, element)), mul(8, s));
  }

  /// The memory-efficient kernel's inputs beside the plan's: keys and
  /// values repeated to Hq heads, and the additive mask (window, key
  /// length and bias) with rows padded to 16 elements.
  uint64_t efficientInputs() const {
    uint64_t groups =
        hq / std::max<uint64_t>(plan.tensors[inst.operands[1]].shape[1], 1);
    uint64_t repeated =
        groups > 1 ? mul(mul(mul(b, hq), skv), mul(add(d, dv), element)) : 0;
    if (!structuralMask() && !hasBias())
      return repeated;
    uint64_t rows = s;
    if (hasBias()) {
      const TensorDesc &bias = plan.tensors[inst.operands[biasOperand]];
      if (bias.shape.size() == 4)
        rows = mul(rows, mul(std::max<int64_t>(bias.shape[0], 1),
                             std::max<int64_t>(bias.shape[1], 1)));
    }
    uint64_t padded = (skv + 15) / 16 * 16;
    return add(repeated, mul(mul(rows, padded), element));
  }
  /// The efficient forward's output [B,Hq,S,Dv] and log-sum-exp (float,
  /// rows padded to 32).
  uint64_t efficientOutput() const {
    return mul(mul(mul(b, hq), s), mul(dv, element));
  }
  uint64_t efficientLogSumExp() const {
    return mul(mul(mul(b, hq), (s + 31) / 32 * 32), 4);
  }
  /// The efficient backward: the gradients at Hq heads, the float row sums
  /// of dO * O (and a float query gradient for 2-byte types), and the key
  /// and value gradients summed to Hkv heads.
  uint64_t efficientBackward() const {
    uint64_t keys = plan.tensors[inst.operands[1]].shape[1];
    uint64_t grads = add(mul(mul(mul(b, hq), s), mul(d, element)),
                         mul(mul(mul(b, hq), skv), mul(add(d, dv), element)));
    uint64_t delta = mul(mul(b, hq), mul(s, 4));
    // Half and bf16 accumulate the query's gradient in float.
    if (element < 4)
      delta = add(delta, mul(mul(mul(b, hq), s), mul(d, 4)));
    uint64_t summed =
        keys < hq ? mul(mul(mul(b, keys), skv), mul(add(d, dv), element)) : 0;
    return add(add(grads, delta), summed);
  }

  /// ATen's block sizes (FlashAttentionKernel.cpp): queries in blocks of
  /// 256, 64 or 32 by the query length, keys in blocks of 512.
  uint64_t queryBlock() const {
    return std::min<uint64_t>(s, s >= 768 ? 256 : s >= 192 ? 64 : 32);
  }
  uint64_t keyBlock() const { return std::min<uint64_t>(skv, 512); }
  /// Float32 accumulation, except for float64.
  uint64_t accumulate() const { return std::max<uint64_t>(element, 4); }
  bool reduced() const { return element < 4; }

  /// The fused forward: its output [B,Hq,S,Dv], log-sum-exp [B,Hq,S] and
  /// per thread the scores of a block, its row maxima and sums and the
  /// output block (and the scores in the reduced type).
  uint64_t fusedForward(unsigned threads, bool withOutput) const {
    uint64_t qb = queryBlock(), kb = keyBlock();
    uint64_t perThread =
        mul(add(add(mul(qb, kb), mul(2, qb)), mul(qb, d)), accumulate());
    if (reduced())
      perThread = add(perThread, mul(mul(qb, kb), element));
    uint64_t bytes = add(logSumExp(), mul(threads, perThread));
    if (withOutput)
      bytes = add(bytes, mul(mul(mul(b, hq), mul(s, dv)), element));
    return bytes;
  }
  uint64_t logSumExp() const { return mul(mul(b, hq), mul(s, accumulate())); }

  /// The fused backward: the three gradients ATen allocates, grad_output
  /// made contiguous in its [B,S,H,D] layout, and per thread the
  /// probabilities and their gradient for a block and the row sums.
  uint64_t fusedBackward(unsigned threads) const {
    uint64_t qb = queryBlock(), kb = keyBlock();
    uint64_t perThread =
        add(mul(mul(2, mul(qb, kb)), accumulate()), mul(qb, accumulate()));
    if (reduced())
      perThread = add(perThread, mul(mul(2, mul(qb, kb)), element));
    uint64_t grads = 0;
    for (size_t i = 0; i < 3; ++i)
      grads = add(grads, bytesOf(plan, inst.operands[i]));
    uint64_t gradOutput = mul(mul(mul(b, hq), mul(s, dv)), element);
    return add(add(grads, gradOutput), mul(threads, perThread));
  }
};

} // namespace

uint64_t dsc::rt::kernelWorkspaceBytes(const Plan &plan, size_t index,
                                       unsigned threads) {
  const Instruction &inst = plan.instructions[index];
  const std::string &kernel = inst.kernel;
  threads = std::max(threads, 1u);
  if (kernel == "attention" || kernel == "attention_grad") {
    bool grad = kernel == "attention_grad";
    AttentionWorkspace w(plan, inst, grad ? 5 : 3);
    if (!w.valid)
      return 0;
    if (inst.has("softcap") || inst.has("fill") || w.hasSinks() ||
        (grad && w.biasGradient()) ||
        (!grad && !w.cuda() && inst.getInt("bias_grad", 0)))
      return w.blocked(grad);
    if (w.fused()) {
      // The forward (recomputed by the gradient for its log-sum-exp, its
      // output released: the gradient reads the forward's), then the
      // backward beside the log-sum-exp.
      uint64_t forward = w.fusedForward(threads, /*withOutput=*/true);
      if (grad)
        forward =
            std::max(forward, add(w.logSumExp(), w.fusedBackward(threads)));
      // With saturated rows the mask is their clone, and after the
      // kernel their composite form runs beside what it returns.
      uint64_t returned = w.fusedForward(0, /*withOutput=*/!grad);
      if (grad)
        for (size_t i = 0; i < 3; ++i)
          returned = add(returned, bytesOf(plan, inst.operands[i]));
      return std::max({w.fusedMaskBuild(),
                       add(w.fusedMask(), w.saturationCheck()),
                       add(std::max(w.fusedMask(), w.saturatedMask()), forward),
                       add(w.saturatedRows(grad), returned)});
    }
    if (w.efficient()) {
      // The inputs while the forward (recomputed by the gradient for its
      // log-sum-exp, its output released) and the backward run.
      // Saturated rows' composite form beside what the kernel returns.
      uint64_t inputs = add(w.efficientInputs(),
                            std::max(w.fusedMaskBuild(), w.saturationCheck()));
      uint64_t patched = add(w.saturatedRows(grad), w.efficientOutput());
      if (!grad)
        return std::max(add(inputs, w.efficientOutput()), patched);
      return std::max(add(add(inputs, w.efficientLogSumExp()),
                          std::max(w.efficientOutput(), w.efficientBackward())),
                      add(patched, w.efficientBackward()));
    }
    // Scores, then the softmax's probabilities while the scores live; the
    // gradient then computes dP and dScores beside the probabilities. Half
    // types in float32, beside their float32 copies.
    uint64_t forward = add(mul(2, w.probs()), w.maskedKeys());
    return add(grad ? std::max(forward, add(mul(3, w.probs()), 16)) : forward,
               w.widenedCopies(grad));
  }
  if (kernel == "iota") {
    // Shape.cpp runIota: the int64 positions along `dim`, then expanded.
    const TensorDesc &result = plan.tensors[inst.results[0]];
    int64_t dim = inst.getInt("dim", 0);
    if (dim < 0 || dim >= static_cast<int64_t>(result.shape.size()) ||
        result.shape[dim] < 0)
      return 0;
    return mul(8, static_cast<uint64_t>(result.shape[dim]));
  }
  if (kernel == "dropout_mask" || kernel == "uniform") {
    // Shape.cpp drawBlocks: the counters and one shifted copy, int64, a
    // block at a time, beside a wrapped scalar operand.
    int64_t elements = plan.tensors[inst.results[0]].numElements();
    if (elements < 0)
      return 0;
    return add(
        mul(16, static_cast<uint64_t>(std::min(elements, kDropoutBlock))), 16);
  }
  if (kernel == "cumsum")
    // With `reverse`: the input flipped, then the result flipped.
    return inst.getInt("reverse", 0) ? mul(2, bytesOf(plan, inst.results[0]))
                                     : 0;
  if (kernel == "cross_entropy")
    // log_softmax of the logits, and the loss and total weight scalars.
    return llvm::SaturatingAdd<uint64_t>(bytesOf(plan, inst.operands[0]), 16);
  if (kernel == "matmul" || kernel == "linear" || kernel == "sum" ||
      kernel == "mean") {
    // A float32 result over half operands (Neural.cpp): the operands
    // converted to it first; mean_out divides by the count as a wrapped
    // scalar.
    const TensorDesc &result = plan.tensors[inst.results[0]];
    uint64_t converted = 0;
    for (uint32_t operand : inst.operands)
      if (plan.tensors[operand].dtype != result.dtype)
        converted =
            add(converted, mul(bytesOf(plan, operand) /
                                   dtypeSize(plan.tensors[operand].dtype),
                               dtypeSize(result.dtype)));
    return add(converted, kernel == "mean" ? 16 : 0);
  }
  if (kernel == "layer_norm")
    // ATen's layer_norm: its output (then copied into the result), mean
    // and rstd.
    return add(bytesOf(plan, inst.operands[0]), normStatistics(plan, inst, 2));
  if (kernel == "rms_norm")
    // x^2, then the mean of each row, the rstd and x * rstd, and the
    // mean's scalar.
    return add(
        add(bytesOf(plan, inst.operands[0]), normStatistics(plan, inst, 2)),
        16);
  if (kernel == "rms_norm_grad")
    // w * dy, and in one expression (w dy) * r, r^3 * x and that times
    // mean((w dy) * x); the rows' mean square, r, that mean and r^3; a
    // float32 weight gradient of a half input sums dy * x * r converted.
    return add(add(add(mul(4, bytesOf(plan, inst.operands[0])),
                       normStatistics(plan, inst, 4)),
                   16),
               accumulatorCopy(plan, inst));
  if (kernel == "transpose") {
    // ATen copies a column-major matrix of at least 60 x 60 elements into
    // a row-major one through a block buffer (copy_same_type_transpose_):
    // 60 x 60 elements, 120 x 120 for one-byte types.
    const TensorDesc &input = plan.tensors[inst.operands[0]];
    uint64_t element = dtypeSize(input.dtype);
    return inst.getInts("permutation") == std::vector<int64_t>{1, 0} &&
                   input.numElements() >= 60 * 60
               ? (element == 1 ? 120 * 120 : mul(60 * 60, element))
               : 0;
  }
  if (kernel == "layer_norm_grad") {
    // The forward recomputed (its output, mean and rstd), the backward's
    // dX and dW, and ATen's per-thread partial sums of dW and dB
    // (2 x threads x C at float or wider).
    const TensorDesc &input = plan.tensors[inst.operands[0]];
    if (input.shape.empty() || input.shape.back() <= 0)
      return 0;
    uint64_t c = input.shape.back(), element = dtypeSize(input.dtype);
    uint64_t wide = std::max<uint64_t>(element, 4);
    return add(add(mul(2, bytesOf(plan, inst.operands[0])),
                   normStatistics(plan, inst, 2)),
               add(mul(element, c), mul(mul(2 * wide, threads), c)));
  }
  if (kernel == "cross_entropy_grad") {
    // The labels as int64 (unless they are) and whether each counts; one
    // block of rows' log-softmax and nll_loss gradient (Gradient.cpp,
    // crossEntropyRowBlock); scalars.
    const TensorDesc &logits = plan.tensors[inst.operands[0]];
    const TensorDesc &labels = plan.tensors[inst.operands[1]];
    int64_t rows = labels.numElements();
    if (rows < 0 || logits.shape.empty() || logits.shape.back() < 0)
      return 0;
    int64_t classes = logits.shape.back();
    uint64_t element = dtypeSize(logits.dtype);
    uint64_t perRow = 1 + (labels.dtype == DType::I64 ? 0 : 8);
    uint64_t block = mul(mul(2, crossEntropyRowBlock(rows, classes, element)),
                         mul(classes, element));
    return add(add(mul(rows, perRow), block), 64);
  }
  if (kernel == "all_to_all") {
    // The pieces made contiguous in send order (unless split_dim is 0 and
    // all pieces are whole), and the receive buffer.
    uint64_t input = bytesOf(plan, inst.operands[0]);
    if (inst.getInt("split_dim") == 0 && !inst.has("real_sizes"))
      return input;
    return llvm::SaturatingAdd(input, bytesOf(plan, inst.results[0]));
  }
  if (kernel == "all_gather" || kernel == "reduce_scatter") {
    // Pieces stacked along a new leading dimension, reordered to `dim`
    // (the result gathered, the input scattered), unless nothing precedes
    // it.
    const TensorDesc &input = plan.tensors[inst.operands[0]];
    int64_t dim = inst.getInt("dim");
    if (dim < 0)
      dim += static_cast<int64_t>(input.shape.size());
    if (elementsBefore(input.shape, dim) == 1)
      return 0;
    return bytesOf(plan,
                   kernel == "all_gather" ? inst.results[0] : inst.operands[0]);
  }
  if (kernel == "adamw_update")
    // Fused: the step count as a float. Otherwise the denominator
    // sqrt(v) / c + eps, one parameter-sized tensor, and three scalars.
    return inst.getInt("fused") ? 16
                                : llvm::SaturatingAdd<uint64_t>(
                                      bytesOf(plan, inst.operands[0]), 16);
  if (kernel == "sgd_update") {
    // The fused kernel (with momentum) allocates nothing. Otherwise the
    // decayed gradient d_p = grad + weight_decay * param and the scalars
    // ATen wraps.
    if (inst.getInt("fused") && inst.getDouble("momentum") != 0)
      return 0;
    return inst.getDouble("weight_decay") != 0
               ? add(bytesOf(plan, inst.operands[0]), 16)
               : 16;
  }
  return 0;
}
