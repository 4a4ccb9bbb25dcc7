//===- Neural.cpp - products, reductions, norms, attention, loss ----------===//
//
// The ops of DSNeuralOps.td, computed with the ATen calls that
// torch.nn.functional makes for the same op, so that results match PyTorch
// float32 to rounding. Attention's fused and composite forms are in
// Attention.cpp.
//
//===----------------------------------------------------------------------===//

#include "ATenKernel.h"

#include "dsc/Runtime/PlanMemory.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

#include <limits>

using namespace dsc::rt;
using namespace dsc::rt::kernels;
using llvm::Twine;

llvm::Error dsc::rt::kernels::checkLogitsAndLabels(const CheckArgs &args) {
  const TensorDesc &logits = *args.operands[0], &labels = *args.operands[1];
  if (auto ignore = readInt(args.inst, "ignore_index"); !ignore)
    return ignore.takeError();
  if (llvm::Error err = expectFloat(logits, "logits"))
    return err;
  if (llvm::Error err = expectRank(logits, 1, "logits", /*atLeast=*/true))
    return err;
  if (llvm::Error err = expectInt(labels, "labels"))
    return err;
  return expectShape(labels, llvm::ArrayRef<int64_t>(logits.shape).drop_back(),
                     "labels");
}

namespace {

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

llvm::Error checkMatmul(const CheckArgs &args) {
  const TensorDesc &lhs = *args.operands[0], &rhs = *args.operands[1];
  auto transposeLhs = readFlag(args.inst, "transpose_lhs");
  if (!transposeLhs)
    return transposeLhs.takeError();
  auto transposeRhs = readFlag(args.inst, "transpose_rhs");
  if (!transposeRhs)
    return transposeRhs.takeError();
  if (llvm::Error err = expectFloat(lhs, "lhs"))
    return err;
  if (llvm::Error err = expectDType(rhs, lhs.dtype, "rhs"))
    return err;
  if (llvm::Error err = expectRank(lhs, 2, "lhs", /*atLeast=*/true))
    return err;
  if (llvm::Error err = expectRank(rhs, 2, "rhs", /*atLeast=*/true))
    return err;
  size_t lr = lhs.shape.size(), rr = rhs.shape.size();
  int64_t m = lhs.shape[lr - 2], k = lhs.shape[lr - 1];
  if (*transposeLhs)
    std::swap(m, k);
  int64_t k2 = rhs.shape[rr - 2], n = rhs.shape[rr - 1];
  if (*transposeRhs)
    std::swap(k2, n);
  if (k != k2)
    return checkError("contracted dimensions differ: lhs " + typeString(lhs) +
                      " gives " + Twine(k) + ", rhs " + typeString(rhs) +
                      " gives " + Twine(k2));
  auto batch = broadcastShapes(
      {std::vector<int64_t>(lhs.shape.begin(), lhs.shape.end() - 2),
       std::vector<int64_t>(rhs.shape.begin(), rhs.shape.end() - 2)});
  if (!batch)
    return batch.takeError();
  batch->push_back(m);
  batch->push_back(n);
  return expectType(*args.results[0],
                    accumulatorDType(lhs.dtype, args.results[0]->dtype), *batch,
                    "the result");
}

void runMatmul(const KernelArgs &args) {
  at::Tensor lhs = args.operand(0), rhs = args.operand(1);
  at::Tensor &out = args.result();
  if (args.inst.getInt("transpose_lhs"))
    lhs = lhs.transpose(-1, -2);
  if (args.inst.getInt("transpose_rhs"))
    rhs = rhs.transpose(-1, -2);
  if (out.scalar_type() != lhs.scalar_type()) {
    // A float32 result over half operands: their products, exact in
    // float32, accumulated there and not rounded (KernelWorkspace.cpp
    // counts the copies).
    lhs = lhs.to(out.scalar_type());
    rhs = rhs.to(out.scalar_type());
  }
  at::matmul_out(out, lhs, rhs);
}

llvm::Error checkLinear(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0], &weight = *args.operands[1];
  if (llvm::Error err = expectFloat(input, "input"))
    return err;
  if (llvm::Error err = expectRank(input, 1, "input", /*atLeast=*/true))
    return err;
  if (llvm::Error err = expectRank(weight, 2, "weight"))
    return err;
  if (llvm::Error err = expectDType(weight, input.dtype, "weight"))
    return err;
  int64_t in = input.shape.back(), out = weight.shape[0];
  if (weight.shape[1] != in)
    return checkError("weight " + typeString(weight) +
                      " does not take inputs of size " + Twine(in));
  if (args.operands.size() == 3)
    if (llvm::Error err =
            expectType(*args.operands[2], input.dtype, {out}, "bias"))
      return err;
  std::vector<int64_t> shape(input.shape.begin(), input.shape.end() - 1);
  shape.push_back(out);
  return expectType(*args.results[0],
                    accumulatorDType(input.dtype, args.results[0]->dtype),
                    shape, "the result");
}

void runLinear(const KernelArgs &args) {
  // torch.nn.functional.linear runs addmm (with a bias) or mm on the input
  // flattened to 2-D; so do we, for the same rounding.
  at::Tensor input = args.operand(0), weight = args.operand(1);
  at::Tensor &out = args.result();
  if (out.scalar_type() != input.scalar_type()) {
    // A float32 result over half operands (a partial sum its all-reduce
    // completes): the products, exact in float32, accumulated there and
    // not rounded (KernelWorkspace.cpp counts the copies).
    input = input.to(out.scalar_type());
    weight = weight.to(out.scalar_type());
  }
  at::Tensor input2d = input.reshape({-1, input.size(-1)});
  at::Tensor out2d = out.view({-1, weight.size(0)});
  if (args.operands.size() == 3)
    at::addmm_out(out2d, args.operand(2).to(out.scalar_type()), input2d,
                  weight.t());
  else
    at::mm_out(out2d, input2d, weight.t());
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

template <bool FloatOnly> llvm::Error checkReduce(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  if (llvm::Error err = FloatOnly ? expectFloat(input, "input")
                                  : expectNumeric(input, "input"))
    return err;
  auto dims = readInts(args.inst, "dims");
  if (!dims)
    return dims.takeError();
  auto keepdim = readFlag(args.inst, "keepdim");
  if (!keepdim)
    return keepdim.takeError();
  if (dims->empty())
    return checkError("attribute 'dims' is empty");
  std::vector<bool> reduced(input.shape.size(), false);
  int64_t previous = -1;
  for (int64_t dim : *dims) {
    auto d = normalizeDim(dim, input.shape.size(), "reduced dimension");
    if (!d)
      return d.takeError();
    if (*d <= previous)
      return checkError("attribute 'dims' must be sorted without repeats");
    previous = *d;
    reduced[*d] = true;
  }
  std::vector<int64_t> shape;
  for (auto [i, size] : llvm::enumerate(input.shape)) {
    if (!reduced[i])
      shape.push_back(size);
    else if (*keepdim)
      shape.push_back(1);
  }
  return expectType(*args.results[0],
                    accumulatorDType(input.dtype, args.results[0]->dtype),
                    shape, "the result");
}

/// The dtype a reduction accumulates in where it is not its input's: a
/// float32 result of a half input accumulates and stays in float32 (the
/// input converted: KernelWorkspace.cpp).
std::optional<at::ScalarType> accumulateIn(const KernelArgs &args) {
  at::ScalarType out = args.result().scalar_type();
  if (out == args.operand(0).scalar_type())
    return std::nullopt;
  return out;
}

//===----------------------------------------------------------------------===//
// Softmax and normalisations
//===----------------------------------------------------------------------===//

/// One input, a result of its type and a `dim` in range (cumsum).
llvm::Error checkAlongDim(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  auto dim = readInt(args.inst, "dim");
  if (!dim)
    return dim.takeError();
  if (auto d = normalizeDim(*dim, input.shape.size(), "dim"); !d)
    return d.takeError();
  return expectSameType(*args.results[0], "the result", input, "input");
}

llvm::Error checkSoftmax(const CheckArgs &args) {
  if (llvm::Error err = expectFloat(*args.operands[0], "input"))
    return err;
  return checkAlongDim(args);
}

/// ATen's cumsum; with `reverse`, over the input flipped, flipped back
/// (two temporaries of the result's size: KernelWorkspace.cpp).
void runCumsum(const KernelArgs &args) {
  int64_t dim = args.inst.getInt("dim");
  if (!args.inst.getInt("reverse", 0)) {
    at::cumsum_out(args.result(), args.operand(0), dim);
    return;
  }
  at::Tensor flipped = args.operand(0).flip(dim);
  at::cumsum_out(args.result(), flipped, dim);
  flipped = args.result().flip(dim);
  args.result().copy_(flipped);
}

/// Checks the input, an optional [D] weight and bias, and `epsilon` of a
/// normalisation over the last dimension.
llvm::Error checkNorm(const CheckArgs &args, bool hasWeight, bool hasBias) {
  const TensorDesc &input = *args.operands[0];
  if (llvm::Error err = expectFloat(input, "input"))
    return err;
  if (llvm::Error err = expectRank(input, 1, "input", /*atLeast=*/true))
    return err;
  auto epsilon = readDouble(args.inst, "epsilon");
  if (!epsilon)
    return epsilon.takeError();
  if (!(*epsilon > 0))
    return checkError("attribute 'epsilon' must be positive, got " +
                      numberString(*epsilon));
  int64_t d = input.shape.back();
  size_t next = 1;
  if (hasWeight)
    if (llvm::Error err =
            expectType(*args.operands[next++], input.dtype, {d}, "weight"))
      return err;
  if (hasBias)
    if (llvm::Error err =
            expectType(*args.operands[next++], input.dtype, {d}, "bias"))
      return err;
  return expectSameType(*args.results[0], "the result", input, "input");
}

llvm::Error checkLayerNorm(const CheckArgs &args) {
  auto present = layerNormOperands(args.inst);
  if (!present)
    return present.takeError();
  return checkNorm(args, present->hasWeight, present->hasBias);
}

void runLayerNorm(const KernelArgs &args) {
  NormOperands present = llvm::cantFail(layerNormOperands(args.inst));
  const at::Tensor &input = args.operand(0);
  size_t next = 1;
  c10::optional<at::Tensor> weight, bias;
  if (present.hasWeight)
    weight = args.operand(next++);
  if (present.hasBias)
    bias = args.operand(next++);
  at::Tensor y = at::layer_norm(input, {input.size(-1)}, weight, bias,
                                args.inst.getDouble("epsilon"));
  args.result().copy_(y);
}

llvm::Error checkRmsNorm(const CheckArgs &args) {
  return checkNorm(args, /*hasWeight=*/args.operands.size() == 2,
                   /*hasBias=*/false);
}

void runRmsNorm(const KernelArgs &args) {
  // Llama's RMSNorm in the input dtype:
  //   weight * (x * rsqrt(mean(x^2, -1) + eps))
  const at::Tensor &x = args.operand(0);
  at::Tensor variance = x.pow(2).mean(-1, /*keepdim=*/true);
  at::Tensor rstd = at::rsqrt(variance + args.inst.getDouble("epsilon"));
  if (args.operands.size() == 2)
    at::mul_out(args.result(), args.operand(1), x * rstd);
  else
    at::mul_out(args.result(), x, rstd);
}

//===----------------------------------------------------------------------===//
// Embedding, attention, loss
//===----------------------------------------------------------------------===//

llvm::Error checkEmbedding(const CheckArgs &args) {
  const TensorDesc &weight = *args.operands[0], &indices = *args.operands[1];
  if (llvm::Error err = expectFloat(weight, "weight"))
    return err;
  if (llvm::Error err = expectRank(weight, 2, "weight"))
    return err;
  if (llvm::Error err = expectInt(indices, "indices"))
    return err;
  std::vector<int64_t> shape = indices.shape;
  shape.push_back(weight.shape[1]);
  return expectType(*args.results[0], weight.dtype, shape, "the result");
}

/// Returns `indices` as a dtype index_select accepts.
at::Tensor indexTensor(const at::Tensor &indices) {
  auto type = indices.scalar_type();
  if (type == at::kLong || type == at::kInt)
    return indices;
  return indices.to(at::kLong);
}

void runEmbedding(const KernelArgs &args) {
  const at::Tensor &weight = args.operand(0);
  at::Tensor rows = args.result().view({-1, weight.size(1)});
  at::Tensor ids = indexTensor(args.operand(1)).reshape(-1);
  try {
    at::index_select_out(rows, weight, 0, ids);
  } catch (const c10::IndexError &) {
    // Token ids read from files were checked as they were read: this index
    // was most likely computed in the step (a lookup of masked_scatter's
    // rows, of indices computed from the data). Name it; the check costs
    // nothing otherwise. (On CUDA, index_select asserts on the device.)
    auto [low, high] = at::aminmax(ids);
    int64_t bad =
        low.item<int64_t>() < 0 ? low.item<int64_t>() : high.item<int64_t>();
    throw std::runtime_error(
        "index " + std::to_string(bad) + " is outside the table's [0, " +
        std::to_string(weight.size(0)) +
        ") (masked_scatter or `x[mask] = rows` with fewer rows than masked "
        "positions, or an index beyond its dimension)");
  }
}

llvm::Error checkAttention(const CheckArgs &args) {
  auto shape = checkAttentionOperands(args, /*biasOperand=*/3);
  if (!shape)
    return shape.takeError();
  return expectType(*args.results[0], args.operands[0]->dtype, *shape,
                    "the result");
}

void runAttention(const KernelArgs &args) {
  const at::Tensor &query = args.operand(0), &key = args.operand(1),
                   &value = args.operand(2);
  AttentionOptions options = attentionOptions(args, 3);
  // ATen's fused kernels: flash attention on the CPU, memory-efficient
  // attention on CUDA; else the composite form (in blocks of rows where
  // the fused kernels cannot compute it, and on the CPU where the bias
  // gets a gradient: PyTorch's SDPA runs its math backend there).
  bool math = query.is_cpu() && args.inst.getInt("bias_grad", 0) != 0;
  if (options.blocked() || math) {
    at::Tensor out = args.result();
    blockedAttention(out, query, key, value, options);
    return;
  }
  if (query.is_cpu() && fusedAttention(query.size(3), value.size(3))) {
    args.result().copy_(flashAttention(query, key, value, options).first);
    return;
  }
  if (query.is_cuda() && efficientCudaAttention(query.element_size(),
                                                query.size(3), value.size(3))) {
    args.result().copy_(efficientAttention(query, key, value, options));
    return;
  }
  at::Tensor out = args.result();
  compositeAttention(out, query, key, value, options);
}

llvm::Error checkCrossEntropy(const CheckArgs &args) {
  if (llvm::Error err = checkLogitsAndLabels(args))
    return err;
  return expectType(*args.results[0], args.operands[0]->dtype, {},
                    "the result");
}

void runCrossEntropy(const KernelArgs &args) {
  const at::Tensor &logits = args.operand(0);
  at::Tensor loss = at::cross_entropy_loss(
      flattenLeading(logits), args.operand(1).reshape(-1).to(at::kLong),
      /*weight=*/{},
      args.inst.getInt("sum") ? at::Reduction::Sum : at::Reduction::Mean,
      args.inst.getInt("ignore_index"),
      /*label_smoothing=*/0.0);
  args.result().copy_(loss);
}

KernelInfo kernel(KernelFn run, CheckFn check, unsigned minOperands,
                  unsigned maxOperands) {
  KernelInfo info;
  info.run = run;
  info.check = check;
  info.minOperands = minOperands;
  info.maxOperands = maxOperands;
  return info;
}

} // namespace

void dsc::rt::kernels::registerNeuralKernels(
    llvm::StringMap<KernelInfo> &table) {
  table["matmul"] = kernel(runMatmul, checkMatmul, 2, 2);
  table["linear"] = kernel(runLinear, checkLinear, 2, 3);
  table["sum"] = kernel(
      [](const KernelArgs &a) {
        at::sum_out(a.result(), a.operand(0), a.inst.getInts("dims"),
                    a.inst.getInt("keepdim") != 0, accumulateIn(a));
      },
      checkReduce<false>, 1, 1);
  table["mean"] = kernel(
      [](const KernelArgs &a) {
        at::mean_out(a.result(), a.operand(0), a.inst.getInts("dims"),
                     a.inst.getInt("keepdim") != 0, accumulateIn(a));
      },
      checkReduce<true>, 1, 1);
  table["max"] = kernel(
      [](const KernelArgs &a) {
        at::amax_out(a.result(), a.operand(0), a.inst.getInts("dims"),
                     a.inst.getInt("keepdim") != 0);
      },
      checkReduce<false>, 1, 1);
  table["softmax"] = kernel(
      [](const KernelArgs &a) {
        at::_softmax_out(a.result(), a.operand(0), a.inst.getInt("dim"),
                         /*half_to_float=*/false);
      },
      checkSoftmax, 1, 1);
  table["cumsum"] = kernel(runCumsum, checkAlongDim, 1, 1);
  table["log_softmax"] = kernel(
      [](const KernelArgs &a) {
        at::_log_softmax_out(a.result(), a.operand(0), a.inst.getInt("dim"),
                             /*half_to_float=*/false);
      },
      checkSoftmax, 1, 1);
  table["layer_norm"] = kernel(runLayerNorm, checkLayerNorm, 1, 3);
  table["rms_norm"] = kernel(runRmsNorm, checkRmsNorm, 1, 2);
  table["embedding"] = kernel(runEmbedding, checkEmbedding, 2, 2);
  table["attention"] = kernel(runAttention, checkAttention, 3, 5);
  table["cross_entropy"] = kernel(runCrossEntropy, checkCrossEntropy, 2, 2);
}
