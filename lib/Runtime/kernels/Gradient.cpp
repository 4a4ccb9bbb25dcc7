//===- Gradient.cpp - backward and optimizer kernels ----------------------===//
//
// The ops of DSGradientOps.td (except `pad`, in Shape.cpp). Backward kernels
// call the ATen functions that PyTorch's autograd calls for the forward op,
// so that gradients match autograd to rounding; the optimizer kernels repeat
// torch.optim's single-tensor code statement by statement.
//
//===----------------------------------------------------------------------===//

#include "ATenKernel.h"

#include "dsc/Runtime/PlanMemory.h"

#include "llvm/ADT/Twine.h"

#include <cmath>

using namespace dsc::rt;
using namespace dsc::rt::kernels;
using llvm::Twine;

namespace {

KernelInfo kernel(KernelFn run, CheckFn check, unsigned operands,
                  unsigned results = 1, Alias alias = Alias::None) {
  KernelInfo info;
  info.run = run;
  info.check = check;
  info.minOperands = info.maxOperands = operands;
  info.numResults = results;
  info.alias = alias;
  return info;
}

/// Returns `indices` as a dtype index_add_ and nll_loss accept.
at::Tensor longIndices(const at::Tensor &indices) {
  return indices.scalar_type() == at::kLong ? indices : indices.to(at::kLong);
}

/// Sums `tensor` [..., D] over its leading dimensions into `out` [D].
void sumLeadingInto(at::Tensor &out, const at::Tensor &tensor) {
  // A float32 `out` of a half `tensor` keeps the float32 sum unrounded.
  std::optional<at::ScalarType> dtype;
  if (out.scalar_type() != tensor.scalar_type())
    dtype = out.scalar_type();
  at::sum_out(out, flattenLeading(tensor), {0}, /*keepdim=*/false, dtype);
}

//===----------------------------------------------------------------------===//
// attention_grad
//===----------------------------------------------------------------------===//

llvm::Error checkAttentionGrad(const CheckArgs &args) {
  auto outShape = checkAttentionOperands(args, /*biasOperand=*/5);
  if (!outShape)
    return outShape.takeError();
  const TensorDesc &q = *args.operands[0], &k = *args.operands[1],
                   &v = *args.operands[2];
  if (llvm::Error err =
          expectType(*args.operands[3], q.dtype, *outShape, "output"))
    return err;
  if (llvm::Error err =
          expectType(*args.operands[4], q.dtype, *outShape, "grad_output"))
    return err;
  if (llvm::Error err =
          expectSameType(*args.results[0], "grad_query", q, "query"))
    return err;
  if (llvm::Error err = expectSameType(*args.results[1], "grad_key", k, "key"))
    return err;
  if (llvm::Error err =
          expectSameType(*args.results[2], "grad_value", v, "value"))
    return err;
  // Then the bias's gradient (optional), the sinks' (with the sinks).
  AttentionOperands where = attentionOperands(args.inst, /*biasOperand=*/5);
  size_t sinks = where.sinks >= 0 ? 1 : 0;
  size_t results = args.results.size();
  if (results != 3 + sinks && !(results == 4 + sinks && where.bias >= 0))
    return checkError("expected " + llvm::Twine(3 + sinks) +
                      " results, or one more with a bias (its gradient), "
                      "got " +
                      llvm::Twine(results));
  if (results == 4 + sinks)
    if (llvm::Error err = expectSameType(*args.results[3], "grad_bias",
                                         *args.operands[where.bias], "bias"))
      return err;
  if (sinks)
    return expectSameType(*args.results.back(), "grad_sinks",
                          *args.operands[where.sinks], "sinks");
  return llvm::Error::success();
}

void runAttentionGrad(const KernelArgs &args) {
  const at::Tensor &query = args.operand(0), &key = args.operand(1),
                   &value = args.operand(2), &gradOut = args.operand(4);
  AttentionOptions options = attentionOptions(args, /*biasOperand=*/5);
  // As in runAttention: ATen's fused kernels where they apply; the
  // bias's gradient in the blocked composite form.
  bool sinks = options.sinks.defined();
  bool biasGradient = args.inst.results.size() == (sinks ? 5 : 4);
  if (options.blocked() || biasGradient) {
    std::array<at::Tensor, 3> grads{args.result(0), args.result(1),
                                    args.result(2)};
    at::Tensor gradBias = biasGradient ? args.result(3) : at::Tensor();
    at::Tensor gradSinks =
        sinks ? args.result(args.inst.results.size() - 1) : at::Tensor();
    blockedAttentionBackward(grads, gradOut, query, key, value, options,
                             biasGradient ? &gradBias : nullptr,
                             sinks ? &gradSinks : nullptr);
    return;
  }
  std::optional<std::array<at::Tensor, 3>> fused;
  if (query.is_cpu() && fusedAttention(query.size(3), value.size(3)))
    fused = flashAttentionBackward(gradOut, query, key, value, args.operand(3),
                                   options);
  else if (query.is_cuda() &&
           efficientCudaAttention(query.element_size(), query.size(3),
                                  value.size(3)))
    fused = efficientAttentionBackward(gradOut, query, key, value,
                                       args.operand(3), options);
  if (fused) {
    for (auto [index, grad] : llvm::enumerate(*fused))
      args.result(index).copy_(grad);
    return;
  }
  std::array<at::Tensor, 3> grads{args.result(0), args.result(1),
                                  args.result(2)};
  compositeAttentionBackward(grads, gradOut, query, key, value, options);
}

//===----------------------------------------------------------------------===//
// layer_norm_grad, rms_norm_grad
//===----------------------------------------------------------------------===//

/// Checks input [..., D], weight [D], grad_output (the input's type) and
/// `epsilon`, and results: the input's type, then `numParamGrads` of [D]
/// (float32 over a half input where `accumulated`: their sums unrounded).
llvm::Error checkNormGrad(const CheckArgs &args, unsigned numParamGrads,
                          bool accumulated = true) {
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
  std::vector<int64_t> paramShape = {input.shape.back()};
  if (llvm::Error err =
          expectType(*args.operands[1], input.dtype, paramShape, "weight"))
    return err;
  if (llvm::Error err =
          expectSameType(*args.operands[2], "grad_output", input, "input"))
    return err;
  if (llvm::Error err =
          expectSameType(*args.results[0], "grad_input", input, "input"))
    return err;
  for (unsigned i = 1; i <= numParamGrads; ++i)
    if (llvm::Error err = expectType(
            *args.results[i],
            accumulated ? accumulatorDType(input.dtype, args.results[i]->dtype)
                        : input.dtype,
            paramShape, "result " + std::to_string(i)))
      return err;
  return llvm::Error::success();
}

llvm::Error checkLayerNormGrad(const CheckArgs &args) {
  return checkNormGrad(args, 2, /*accumulated=*/false);
}

void runLayerNormGrad(const KernelArgs &args) {
  const at::Tensor &input = args.operand(0), &weight = args.operand(1),
                   &gradOut = args.operand(2);
  std::vector<int64_t> normalized = {input.size(-1)};
  // Recompute the statistics exactly as the forward's native_layer_norm did,
  // then run autograd's backward function.
  auto stats = at::native_layer_norm(input, normalized, weight, {},
                                     args.inst.getDouble("epsilon"));
  auto grads = at::native_layer_norm_backward(
      gradOut, input, normalized, std::get<1>(stats), std::get<2>(stats),
      weight, {}, {true, true, false});
  args.result(0).copy_(std::get<0>(grads));
  args.result(1).copy_(std::get<1>(grads));
  sumLeadingInto(args.result(2), gradOut);
}

llvm::Error checkRmsNormGrad(const CheckArgs &args) {
  return checkNormGrad(args, 1);
}

void runRmsNormGrad(const KernelArgs &args) {
  // y = w * (x * r), r = rsqrt(mean(x^2) + eps):
  //   dx = r * (w dy) - r^3 * x * mean((w dy) * x)
  //   dw = sum over leading dimensions of dy * x * r
  const at::Tensor &x = args.operand(0), &weight = args.operand(1),
                   &gradOut = args.operand(2);
  at::Tensor variance = x.pow(2).mean(-1, /*keepdim=*/true);
  at::Tensor rstd = at::rsqrt(variance + args.inst.getDouble("epsilon"));
  at::Tensor dNormed = gradOut * weight;
  at::Tensor dot = (dNormed * x).mean(-1, /*keepdim=*/true);
  at::sub_out(args.result(0), dNormed * rstd, rstd.pow(3) * x * dot);
  sumLeadingInto(args.result(1), gradOut * (x * rstd));
}

//===----------------------------------------------------------------------===//
// Activations and softmax
//===----------------------------------------------------------------------===//

llvm::Error checkActivationGrad(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  if (llvm::Error err = expectFloat(input, "input"))
    return err;
  if (llvm::Error err =
          expectSameType(*args.operands[1], "grad_output", input, "input"))
    return err;
  return expectSameType(*args.results[0], "the result", input, "input");
}

llvm::Error checkGeluGrad(const CheckArgs &args) {
  if (auto mode = readString(args.inst, "approximate", {"none", "tanh"}); !mode)
    return mode.takeError();
  return checkActivationGrad(args);
}

llvm::Error checkSoftmaxGrad(const CheckArgs &args) {
  const TensorDesc &output = *args.operands[0];
  if (llvm::Error err = expectFloat(output, "output"))
    return err;
  auto dim = readInt(args.inst, "dim");
  if (!dim)
    return dim.takeError();
  if (auto d = normalizeDim(*dim, output.shape.size(), "dim"); !d)
    return d.takeError();
  if (llvm::Error err =
          expectSameType(*args.operands[1], "grad_output", output, "output"))
    return err;
  return expectSameType(*args.results[0], "the result", output, "output");
}

//===----------------------------------------------------------------------===//
// cross_entropy_grad, embedding_grad
//===----------------------------------------------------------------------===//

llvm::Error checkCrossEntropyGrad(const CheckArgs &args) {
  const TensorDesc &logits = *args.operands[0];
  if (llvm::Error err = checkLogitsAndLabels(args))
    return err;
  if (llvm::Error err =
          expectType(*args.operands[2], logits.dtype, {}, "grad_loss"))
    return err;
  return expectSameType(*args.results[0], "the result", logits, "logits");
}

void runCrossEntropyGrad(const KernelArgs &args) {
  // PyTorch's autograd of cross_entropy_loss, by the same ATen kernels in
  // the same order, so bit for bit: nll_loss_backward of the log-softmax
  // (-w at each counted row's label, w the loss's gradient, divided by the
  // rows counted for the mean), then _log_softmax_backward_data (g -
  // exp(log p) * rowsum(g)). In blocks of rows (crossEntropyRowBlock), so
  // that the two temporaries autograd holds at [N, V] stay small.
  const at::Tensor &logits = args.operand(0);
  int64_t ignore = args.inst.getInt("ignore_index");
  bool sum = args.inst.getInt("sum") != 0;
  at::Tensor logits2d = flattenLeading(logits);
  at::Tensor out2d = args.result().view(logits2d.sizes());
  at::Tensor target = longIndices(args.operand(1)).reshape({-1});
  at::Tensor gradLoss = args.operand(2).to(logits.scalar_type());
  // What nll_loss's forward returns beside the loss: the rows counted.
  at::Tensor totalWeight = target.ne(ignore).sum().to(logits.scalar_type());
  int64_t rows = logits2d.size(0);
  int64_t block =
      crossEntropyRowBlock(rows, logits2d.size(1), logits2d.element_size());
  for (int64_t start = 0; start < rows; start += block) {
    int64_t n = std::min(block, rows - start);
    at::Tensor logProbs =
        at::_log_softmax(logits2d.narrow(0, start, n), 1, false);
    at::Tensor gradLogProbs = at::nll_loss_backward(
        gradLoss, logProbs, target.narrow(0, start, n), /*weight=*/{},
        sum ? at::Reduction::Sum : at::Reduction::Mean, ignore, totalWeight);
    at::Tensor outBlock = out2d.narrow(0, start, n);
    at::_log_softmax_backward_data_out(outBlock, gradLogProbs, logProbs, 1,
                                       logits.scalar_type());
  }
}

llvm::Error checkEmbeddingGrad(const CheckArgs &args) {
  const TensorDesc &indices = *args.operands[0], &gradOut = *args.operands[1];
  const TensorDesc &result = *args.results[0];
  if (llvm::Error err = expectInt(indices, "indices"))
    return err;
  if (llvm::Error err = expectFloat(gradOut, "grad_output"))
    return err;
  if (llvm::Error err = expectRank(result, 2, "the result"))
    return err;
  if (llvm::Error err = expectDType(result, gradOut.dtype, "the result"))
    return err;
  std::vector<int64_t> shape = indices.shape;
  shape.push_back(result.shape[1]);
  if (llvm::Error err = expectShape(gradOut, shape, "grad_output"))
    return err;
  if (!args.inst.has("padding_idx"))
    return llvm::Error::success();
  auto row = readInt(args.inst, "padding_idx");
  if (!row)
    return row.takeError();
  if (*row < 0 || *row >= result.shape[0])
    return llvm::createStringError("padding_idx " + std::to_string(*row) +
                                   " is not a row of the result");
  return llvm::Error::success();
}

void runEmbeddingGrad(const KernelArgs &args) {
  at::Tensor &table = args.result();
  const at::Tensor &gradOut = args.operand(1);
  table.zero_();
  table.index_add_(0, longIndices(args.operand(0)).reshape(-1),
                   gradOut.reshape({-1, table.size(1)}));
  if (args.inst.has("padding_idx"))
    table[args.inst.getInt("padding_idx")].zero_();
}

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

/// Checks that every attribute in `names` is a number.
/// An optimizer hyperparameter and the values torch.optim accepts for it:
/// finite, at least 0, below 1 where `belowOne`.
struct Hyperparameter {
  llvm::StringRef name;
  bool belowOne = false;
};

/// Checks the hyperparameters as torch.optim checks its arguments: a plan
/// edited to a NaN learning rate must not train.
llvm::Error checkHyperparameters(const Instruction &inst,
                                 llvm::ArrayRef<Hyperparameter> params) {
  for (const Hyperparameter &param : params) {
    auto value = readDouble(inst, param.name);
    if (!value)
      return value.takeError();
    if (!std::isfinite(*value) || *value < 0 || (param.belowOne && *value >= 1))
      return checkError("attribute '" + param.name + "' is " +
                        numberString(*value) + "; it must be finite and in " +
                        (param.belowOne ? "[0, 1)" : "[0, inf)"));
  }
  return llvm::Error::success();
}

/// Checks that the operands named in `names` (by position) and all results
/// have the type of the float operand 0.
llvm::Error
checkSameAsParam(const CheckArgs &args,
                 llvm::ArrayRef<std::pair<unsigned, const char *>> operands) {
  const TensorDesc &param = *args.operands[0];
  if (llvm::Error err = expectFloat(param, "param"))
    return err;
  for (auto [index, what] : operands)
    if (llvm::Error err =
            expectSameType(*args.operands[index], what, param, "param"))
      return err;
  for (size_t i = 0; i < args.results.size(); ++i)
    if (llvm::Error err = expectSameType(
            *args.results[i], "result " + std::to_string(i), param, "param"))
      return err;
  return llvm::Error::success();
}

/// The learning rate schedule's attributes, where there is one (the
/// adamw_update op's documentation).
llvm::Error checkLrSchedule(const Instruction &inst) {
  if (!inst.has("lr_schedule"))
    return llvm::Error::success();
  auto schedule =
      readString(inst, "lr_schedule", {"constant", "linear", "cosine"});
  if (!schedule)
    return schedule.takeError();
  for (const char *steps : {"warmup_steps", "total_steps"}) {
    if (!inst.has(steps))
      continue;
    auto value = readInt(inst, steps);
    if (!value)
      return value.takeError();
    if (*value < 0)
      return checkError("attribute '" + llvm::Twine(steps) + "' is negative");
  }
  if (*schedule != "constant" && !inst.has("total_steps"))
    return checkError("the " + *schedule + " schedule needs 'total_steps'");
  if (inst.has("min_lr_ratio")) {
    auto ratio = readDouble(inst, "min_lr_ratio");
    if (!ratio)
      return ratio.takeError();
    if (!(*ratio >= 0 && *ratio <= 1))
      return checkError("attribute 'min_lr_ratio' is " + numberString(*ratio) +
                        "; it must be in [0, 1]");
  }
  return llvm::Error::success();
}

/// The learning rate of the step that `step` counts (this one included):
/// `lr` times the schedule's factor after `step - 1` steps, in the double
/// arithmetic of Hugging Face's lambdas (transformers/optimization.py), as
/// LambdaLR multiplies it in.
double scheduledLr(const Instruction &inst, int64_t step) {
  double lr = inst.getDouble("lr");
  std::string schedule = inst.getString("lr_schedule");
  int64_t warmup = inst.getInt("warmup_steps");
  int64_t total = inst.getInt("total_steps");
  int64_t done = step - 1;
  double factor = 1.0;
  if (done < warmup) {
    factor = static_cast<double>(done) /
             static_cast<double>(std::max<int64_t>(1, warmup));
  } else if (schedule == "linear") {
    factor = std::max(
        0.0, static_cast<double>(total - done) /
                 static_cast<double>(std::max<int64_t>(1, total - warmup)));
  } else if (schedule == "cosine") {
    double progress = static_cast<double>(done - warmup) /
                      static_cast<double>(std::max<int64_t>(1, total - warmup));
    double floor = inst.getDouble("min_lr_ratio");
    factor = 0.5 * (1.0 + std::cos(M_PI * 0.5 * 2.0 * progress));
    factor = std::max(0.0, factor * (1 - floor) + floor);
  }
  return lr * factor;
}

llvm::Error checkAdamW(const CheckArgs &args) {
  if (llvm::Error err =
          checkHyperparameters(args.inst, {{"lr"},
                                           {"beta1", /*belowOne=*/true},
                                           {"beta2", /*belowOne=*/true},
                                           {"eps"},
                                           {"weight_decay"}}))
    return err;
  if (llvm::Error err = expectType(*args.operands[4], DType::I64, {}, "step"))
    return err;
  if (llvm::Error err = checkLrSchedule(args.inst))
    return err;
  return checkSameAsParam(args,
                          {{1, "grad"}, {2, "exp_avg"}, {3, "exp_avg_sq"}});
}

void runAdamW(const KernelArgs &args) {
  // torch/optim/adamw.py, _single_tensor_adamw (no amsgrad, not maximize,
  // not capturable); `step` already counts this step. Scalars are doubles,
  // as Python's floats are.
  const Instruction &inst = args.inst;
  // The step count is read on the host only for a schedule (the fused
  // kernel reads it where it is).
  double lr = inst.has("lr_schedule") ? scheduledLr(inst, args.hostInt(4))
                                      : inst.getDouble("lr"),
         beta1 = inst.getDouble("beta1"), beta2 = inst.getDouble("beta2"),
         eps = inst.getDouble("eps"),
         weightDecay = inst.getDouble("weight_decay");
  at::Tensor &param = args.result(0), &expAvg = args.result(1),
             &expAvgSq = args.result(2);
  copyUnlessSame(param, args.operand(0));
  copyUnlessSame(expAvg, args.operand(2));
  copyUnlessSame(expAvgSq, args.operand(3));
  const at::Tensor &grad = args.operand(1);
  if (inst.getInt("fused")) {
    // torch.optim.AdamW(fused=True): one pass, in place; torch keeps the
    // step count as a float32 tensor on the parameter's device (host
    // memory for an update on the host, whose count is in device memory).
    at::_fused_adamw_({param}, {grad}, {expAvg}, {expAvgSq}, {},
                      {args.operand(4).to(param.device(), at::kFloat)}, lr,
                      beta1, beta2, weightDecay, eps, /*amsgrad=*/false,
                      /*maximize=*/false);
    return;
  }
  double step = static_cast<double>(args.hostInt(4));

  param.mul_(1 - lr * weightDecay);
  expAvg.mul_(beta1).add_(grad, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);

  double biasCorrection1 = 1 - std::pow(beta1, step);
  double biasCorrection2 = 1 - std::pow(beta2, step);
  double stepSize = lr / biasCorrection1;
  double biasCorrection2Sqrt = std::sqrt(biasCorrection2);
  // One temporary, not two: the same operations, in place after the sqrt.
  at::Tensor denom = expAvgSq.sqrt();
  denom.div_(biasCorrection2Sqrt).add_(eps);
  param.addcdiv_(expAvg, denom, -stepSize);
}

llvm::Error checkSgd(const CheckArgs &args) {
  if (llvm::Error err = checkHyperparameters(
          args.inst, {{"lr"}, {"momentum"}, {"weight_decay"}}))
    return err;
  return checkSameAsParam(args, {{1, "grad"}, {2, "momentum_buffer"}});
}

void runSgd(const KernelArgs &args) {
  // torch/optim/sgd.py, _single_tensor_sgd with dampening 0, no Nesterov.
  // The buffer starts at zero, so momentum * 0 + d_p reproduces torch's
  // first step, which clones d_p.
  const Instruction &inst = args.inst;
  double lr = inst.getDouble("lr"), momentum = inst.getDouble("momentum"),
         weightDecay = inst.getDouble("weight_decay");
  at::Tensor &param = args.result(0), &buffer = args.result(1);
  copyUnlessSame(param, args.operand(0));
  copyUnlessSame(buffer, args.operand(2));
  at::Tensor dP = args.operand(1);
  if (momentum != 0 && inst.getInt("fused")) {
    // torch.optim.SGD(fused=True); its first step clones the gradient into
    // the buffer, which the zero buffer reproduces. Without momentum the
    // fused kernel computes what the code below does.
    at::_fused_sgd_({param}, {dP}, {buffer}, weightDecay, momentum, lr,
                    /*dampening=*/0, /*nesterov=*/false, /*maximize=*/false,
                    /*is_first_step=*/false);
    return;
  }
  if (weightDecay != 0)
    dP = dP.add(param, weightDecay);
  if (momentum != 0) {
    buffer.mul_(momentum).add_(dP);
    dP = buffer;
  } else {
    buffer.copy_(dP);
  }
  param.add_(dP, -lr);
}

} // namespace

void dsc::rt::kernels::registerGradientKernels(
    llvm::StringMap<KernelInfo> &table) {
  KernelInfo &attentionGrad = table["attention_grad"] =
      kernel(runAttentionGrad, checkAttentionGrad, 5, /*results=*/0);
  attentionGrad.maxOperands = 7; // the optional bias and sinks
  table["layer_norm_grad"] = kernel(runLayerNormGrad, checkLayerNormGrad, 3, 3);
  table["rms_norm_grad"] = kernel(runRmsNormGrad, checkRmsNormGrad, 3, 2);
  table["silu_grad"] = kernel(
      [](const KernelArgs &a) {
        at::silu_backward_out(a.result(), a.operand(1), a.operand(0));
      },
      checkActivationGrad, 2, 1, Alias::Elementwise);
  table["gelu_grad"] = kernel(
      [](const KernelArgs &a) {
        at::gelu_backward_out(a.result(), a.operand(1), a.operand(0),
                              a.inst.getString("approximate", "none"));
      },
      checkGeluGrad, 2, 1, Alias::Elementwise);
  table["softmax_grad"] = kernel(
      [](const KernelArgs &a) {
        const at::Tensor &output = a.operand(0);
        at::_softmax_backward_data_out(a.result(), a.operand(1), output,
                                       a.inst.getInt("dim"),
                                       output.scalar_type());
      },
      checkSoftmaxGrad, 2);
  table["log_softmax_grad"] = kernel(
      [](const KernelArgs &a) {
        const at::Tensor &output = a.operand(0);
        at::_log_softmax_backward_data_out(a.result(), a.operand(1), output,
                                           a.inst.getInt("dim"),
                                           output.scalar_type());
      },
      checkSoftmaxGrad, 2);
  table["cross_entropy_grad"] =
      kernel(runCrossEntropyGrad, checkCrossEntropyGrad, 3);
  table["embedding_grad"] = kernel(runEmbeddingGrad, checkEmbeddingGrad, 2);

  KernelInfo adamw = kernel(runAdamW, checkAdamW, 5, 3, Alias::Listed);
  adamw.inPlaceOperands = {0, 2, 3};
  adamw.optimizerUpdate = true;
  table["adamw_update"] = adamw;
  KernelInfo sgd = kernel(runSgd, checkSgd, 3, 2, Alias::Listed);
  sgd.inPlaceOperands = {0, 2};
  sgd.optimizerUpdate = true;
  table["sgd_update"] = sgd;
}
