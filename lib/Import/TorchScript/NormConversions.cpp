//===- NormConversions.cpp - normalisations to ds -------------------------===//
//
// layer_norm and rms_norm (over the last dimensions: flattened into one for
// ds.layer_norm / ds.rms_norm), group_norm (the groups' channels and
// positions flattened into rows that ds.layer_norm normalises, the affine
// per channel after it) and the weight normalisation of
// nn.utils.weight_norm (`_weight_norm`: v * g / ||v||); batch_norm with
// running statistics (eval mode) as a per-channel affine.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include <functional>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace dsc::ts;

namespace {

int64_t product(ArrayRef<int64_t> sizes) {
  return std::accumulate(sizes.begin(), sizes.end(), int64_t{1},
                         std::multiplies<int64_t>());
}

/// `x` with its last `n` dimensions flattened into one.
Value flattenTrailing(ImporterState &s, Value x, size_t n) {
  ArrayRef<int64_t> shape = typeOf(x).getShape();
  SmallVector<int64_t> flat(shape.drop_back(n));
  flat.push_back(product(shape.take_back(n)));
  return reshape(s, x, flat);
}

/// The trailing dimensions a layer_norm or rms_norm normalises over, which
/// must be the last ones of `input` (PyTorch checks that too).
size_t normalizedDims(ImporterState &s, Value input, StringRef op) {
  std::vector<int64_t> normalized = s.intListInput(1);
  ArrayRef<int64_t> shape = typeOf(input).getShape();
  if (normalized.empty() || normalized.size() > shape.size() ||
      ArrayRef<int64_t>(normalized) != shape.take_back(normalized.size()))
    s.fail("aten::" + op.str() +
           ": normalized_shape is not the input's last dimensions");
  return normalized.size();
}

/// Input `i` or null where it is None.
Value optionalTensor(ImporterState &s, size_t i) {
  return isNone(s, i) ? Value() : s.tensorInput(i);
}

/// An optional affine parameter (weight or bias) input `i`, flattened to
/// one dimension as its input is.
Value flatParameter(ImporterState &s, size_t i) {
  Value parameter = optionalTensor(s, i);
  if (!parameter)
    return Value();
  return flattenTrailing(s, parameter, typeOf(parameter).getRank());
}

/// A half or bfloat16 input with float32 weights (autocast keeps
/// LayerNorm's in float32) normalises in float32 and rounds once to the
/// input's type, as ATen's mixed-type kernel.
void layerNorm(ImporterState &s) {
  Value input = s.tensorInput(0);
  size_t n = normalizedDims(s, input, "layer_norm");
  Value weight = flatParameter(s, 2), bias = flatParameter(s, 3);
  Type element = typeOf(input).getElementType();
  Type math = element;
  for (Value parameter : {weight, bias})
    if (parameter && typeOf(parameter).getElementType() != element)
      math = typeOf(parameter).getElementType();
  Value normed = ds::LayerNormOp::create(
      s.builder, s.loc, s.convertTo(flattenTrailing(s, input, n), math),
      weight ? s.convertTo(weight, math) : weight,
      bias ? s.convertTo(bias, math) : bias, llvm::APFloat(s.doubleInput(4)));
  s.bindOutput(0, reshape(s, s.convertTo(normed, element), typeOf(input)));
}

/// The forward programs dsc imports use only the normalised output of
/// `native_layer_norm` / `native_group_norm`, not the mean and reciprocal
/// standard deviation that a backward graph reads.
void checkStatisticsUnused(ImporterState &s, StringRef op) {
  for (size_t i = 1; i < s.node->outputs().size(); ++i)
    if (s.node->outputs()[i]->hasUses())
      s.fail("the mean or rstd result of " + op.str() +
             " is used; dsc imports forward programs, which use the "
             "normalised output only");
}

void nativeLayerNorm(ImporterState &s) {
  checkStatisticsUnused(s, "native_layer_norm");
  layerNorm(s);
}

/// `torch.nn.RMSNorm`, `F.rms_norm`: `(input, normalized_shape, weight,
/// eps)` as PyTorch computes it (layer_norm.cpp): in float (double for
/// double), eps that type's machine epsilon unless given, the result cast
/// back to the input's type, then times the weight.
void rmsNorm(ImporterState &s) {
  Value input = s.tensorInput(0);
  auto element = dyn_cast<FloatType>(typeOf(input).getElementType());
  if (!element)
    s.fail("aten::rms_norm of an integer tensor is not supported");
  size_t n = normalizedDims(s, input, "rms_norm");
  bool wide = element.isF64();
  Type opmath = wide ? Type(s.builder.getF64Type()) : s.builder.getF32Type();
  double epsilon = s.node->inputs().size() > 3 && !isNone(s, 3)
                       ? s.doubleInput(3)
                   : wide ? std::numeric_limits<double>::epsilon()
                          : std::numeric_limits<float>::epsilon();
  Value normed = ds::RmsNormOp::create(
      s.builder, s.loc, s.convertTo(flattenTrailing(s, input, n), opmath),
      Value(), llvm::APFloat(epsilon));
  normed = reshape(s, s.convertTo(normed, element), typeOf(input).getShape());
  Type result = s.elementType(s.outputScalarType());
  if (isNone(s, 2))
    return s.bindOutput(0, s.convertTo(normed, result));
  s.bindOutput(0,
               ds::MulOp::create(s.builder, s.loc, s.convertTo(normed, result),
                                 s.convertTo(s.tensorInput(2), result)));
}

/// `input` [N, C, *] normalised over each of `groups` groups of C / groups
/// channels and all positions, then times `weight` and plus `bias` ([C]
/// each, or null) per channel, as PyTorch's group_norm: the rows [N,
/// groups, C / groups * positions] through ds.layer_norm (biased variance,
/// eps inside the square root), the affine after it.
Value groupNorm(ImporterState &s, Value input, int64_t groups, Value weight,
                Value bias, double eps) {
  auto type = typeOf(input);
  if (type.getRank() < 2)
    s.fail("aten::group_norm of a tensor without a channel dimension");
  int64_t channels = type.getDimSize(1);
  if (groups <= 0 || channels % groups != 0)
    s.fail("aten::group_norm: " + std::to_string(channels) +
           " channels do not divide into " + std::to_string(groups) +
           " groups");
  Value rows =
      reshape(s, input,
              {type.getDimSize(0), groups,
               channels / groups * product(type.getShape().drop_front(2))});
  Value normed =
      reshape(s,
              ds::LayerNormOp::create(s.builder, s.loc, rows, Value(), Value(),
                                      llvm::APFloat(eps)),
              type);
  // The affine parameters [C] as [C, 1, ..., 1], to broadcast over the
  // positions.
  SmallVector<int64_t> perChannel(type.getRank() - 1, 1);
  perChannel.front() = channels;
  if (weight)
    normed = ds::MulOp::create(s.builder, s.loc, normed,
                               reshape(s, weight, perChannel));
  if (bias)
    normed = ds::AddOp::create(s.builder, s.loc, normed,
                               reshape(s, bias, perChannel));
  return normed;
}

/// `group_norm(input, num_groups, weight, bias, eps, cudnn_enabled)`
/// (nn.GroupNorm, F.group_norm).
void groupNormConversion(ImporterState &s) {
  s.bindOutput(0, groupNorm(s, s.tensorInput(0), s.intInput(1),
                            optionalTensor(s, 2), optionalTensor(s, 3),
                            s.doubleInput(4)));
}

/// `native_group_norm(input, weight, bias, N, C, HxW, group, eps)`.
void nativeGroupNorm(ImporterState &s) {
  checkStatisticsUnused(s, "native_group_norm");
  s.bindOutput(0, groupNorm(s, s.tensorInput(0), s.intInput(6),
                            optionalTensor(s, 1), optionalTensor(s, 2),
                            s.doubleInput(7)));
}

/// Checks that `input` of a batch_norm is a float tensor with channels.
RankedTensorType batchNormInput(ImporterState &s, Value input, StringRef op) {
  auto type = typeOf(input);
  if (type.getRank() < 2 || !isa<FloatType>(type.getElementType()))
    s.fail("aten::" + op.str() +
           " takes a floating-point tensor with a channel dimension");
  return type;
}

/// `value` (one per channel) shaped to broadcast against a batch_norm input
/// of `type`: [C, 1, ...].
Value perChannel(ImporterState &s, Value value, RankedTensorType type) {
  SmallVector<int64_t> shape(type.getRank() - 1, 1);
  shape.front() = type.getDimSize(1);
  return reshape(s, value, shape);
}

/// (x - mean) * (weight * invstd) + bias, `mean` and `invstd` per channel
/// (broadcasting against `input`). The difference first keeps the weight's
/// gradient from cancelling where the mean is far from 0 and the variance
/// small, as PyTorch's backward (sum g (x - mean) invstd) does; PyTorch's
/// CPU kernel folds the mean into its bias (x * alpha + (bias - mean *
/// alpha)), equal to rounding.
Value normalizeBatch(ImporterState &s, Value input, Value weight, Value bias,
                     Value mean, Value invstd) {
  auto type = typeOf(input);
  Value alpha = invstd;
  if (weight)
    alpha =
        ds::MulOp::create(s.builder, s.loc, alpha, perChannel(s, weight, type));
  Value result = ds::MulOp::create(
      s.builder, s.loc, ds::SubOp::create(s.builder, s.loc, input, mean),
      alpha);
  if (!bias)
    return result;
  return ds::AddOp::create(s.builder, s.loc, result, perChannel(s, bias, type));
}

/// 1 / sqrt(var + eps).
Value inverseStd(ImporterState &s, Value var, double eps) {
  Type element = typeOf(var).getElementType();
  return ds::DivOp::create(
      s.builder, s.loc, scalar(s, 1.0, element),
      ds::SqrtOp::create(
          s.builder, s.loc,
          ds::AddOp::create(s.builder, s.loc, var, scalar(s, eps, element))));
}

/// Batch normalisation with running statistics (`training=False`: a
/// BatchNorm module in eval mode).
Value frozenBatchNorm(ImporterState &s, Value input, Value weight, Value bias,
                      Value mean, Value var, double eps, StringRef op) {
  if (!mean || !var)
    s.fail("aten::" + op.str() + " without running statistics");
  auto type = batchNormInput(s, input, op);
  // In float for half types (PyTorch's opmath type; autocast gives float
  // statistics and affine to a bf16 input), rounded once.
  Type element = type.getElementType();
  Type math = element.isF32() || element.isF64()
                  ? element
                  : Type(Float32Type::get(s.builder.getContext()));
  auto to = [&](Value v) { return v ? s.convertTo(v, math) : v; };
  Value result = normalizeBatch(
      s, to(input), to(weight), to(bias), perChannel(s, to(mean), type),
      perChannel(s, inverseStd(s, to(var), eps), type));
  return s.convertTo(result, element);
}

/// `momentum * statistic + (1 - momentum) * running`, PyTorch's update of
/// a running statistic (batch_norm_cpu_update_stats_template), in the
/// statistic's type, stored in the running statistic's.
Value updateRunning(ImporterState &s, Value running, Value statistic,
                    double momentum) {
  auto type = typeOf(running);
  Type acc = typeOf(statistic).getElementType();
  Value updated = ds::AddOp::create(
      s.builder, s.loc,
      ds::MulOp::create(s.builder, s.loc, scalar(s, momentum, acc),
                        reshape(s, statistic, type.getShape())),
      ds::MulOp::create(s.builder, s.loc, scalar(s, 1.0 - momentum, acc),
                        s.convertTo(running, acc)));
  return s.convertTo(updated, type.getElementType());
}

/// What a batch_norm in training mode computes: the normalised output and
/// the new running statistics (null where there are none).
struct TrainedBatchNorm {
  Value result, runningMean, runningVar;
};

/// Batch normalisation by the batch's own statistics (`training=True`: a
/// BatchNorm module in training mode, or one without running statistics):
/// per channel the mean and the biased variance over every other dimension
/// normalise, then the affine; the running statistics `runningMean` and
/// `runningVar` (if given) become momentum * (mean, unbiased variance) + (1
/// - momentum) * their old values.
/// The statistics and the normalisation are computed in PyTorch's CPU
/// accumulation type (double for float, float for half types): where the
/// mean is large against the spread, a float mean would move every
/// normalised value by more than 1e-5. Under data or sequence parallelism
/// the reductions span every rank's part of the batch, as SyncBatchNorm's
/// would: the single-device model's numbers.
TrainedBatchNorm trainedBatchNorm(ImporterState &s, Value input, Value weight,
                                  Value bias, Value runningMean,
                                  Value runningVar, double momentum, double eps,
                                  StringRef op) {
  auto type = batchNormInput(s, input, op);
  Type element = type.getElementType();
  Type acc = element.isF32() || element.isF64()
                 ? Type(Float64Type::get(s.builder.getContext()))
                 : Type(Float32Type::get(s.builder.getContext()));
  SmallVector<int64_t> dims{0};
  for (int64_t d = 2; d < type.getRank(); ++d)
    dims.push_back(d);
  int64_t count = type.getNumElements() / type.getDimSize(1);
  if (count <= 1)
    s.fail("aten::" + op.str() +
           " in training mode needs more than one value per channel, got " +
           std::to_string(count));
  DenseI64ArrayAttr reduced = s.builder.getDenseI64ArrayAttr(dims);
  Value wide = s.convertTo(input, acc);
  Value mean = ds::MeanOp::create(s.builder, s.loc, wide, reduced,
                                  /*keepdim=*/true);
  Value centred = ds::SubOp::create(s.builder, s.loc, wide, mean);
  Value squares = ds::SumOp::create(
      s.builder, s.loc, ds::MulOp::create(s.builder, s.loc, centred, centred),
      reduced, /*keepdim=*/true);
  Value var = ds::DivOp::create(s.builder, s.loc, squares,
                                scalar(s, double(count), acc));
  // The affine in the accumulation type too, rounded once (PyTorch's
  // x * alpha + beta in its opmath type).
  Value result =
      ds::MulOp::create(s.builder, s.loc, centred, inverseStd(s, var, eps));
  if (weight)
    result = ds::MulOp::create(s.builder, s.loc, result,
                               perChannel(s, s.convertTo(weight, acc), type));
  if (bias)
    result = ds::AddOp::create(s.builder, s.loc, result,
                               perChannel(s, s.convertTo(bias, acc), type));
  TrainedBatchNorm trained{s.convertTo(result, element), Value(), Value()};
  if (runningMean)
    trained.runningMean = updateRunning(s, runningMean, mean, momentum);
  if (runningVar) {
    Value unbiased = ds::DivOp::create(s.builder, s.loc, squares,
                                       scalar(s, double(count - 1), acc));
    trained.runningVar = updateRunning(s, runningVar, unbiased, momentum);
  }
  return trained;
}

/// `batch_norm(input, weight, bias, running_mean, running_var, training,
/// momentum, eps, cudnn_enabled)`, `native_batch_norm` and
/// `_native_batch_norm_legit` (the same first eight; the latter's
/// `no_stats` overload without the running statistics). In training mode
/// the new running statistics are written in place, as PyTorch does: a
/// module's buffers are the step's state (ImporterState::StateBuffer).
void batchNorm(ImporterState &s) {
  if (s.node->outputs().size() > 1)
    checkStatisticsUnused(s, "native_batch_norm");
  // _native_batch_norm_legit.no_stats(input, weight, bias, training,
  // momentum, eps).
  size_t stats = s.node->inputs().size() == 6 ? 0 : 2;
  Value input = s.tensorInput(0);
  Value weight = optionalTensor(s, 1);
  Value bias = optionalTensor(s, 2);
  Value runningMean = stats ? optionalTensor(s, 3) : Value();
  Value runningVar = stats ? optionalTensor(s, 4) : Value();
  double eps = s.doubleInput(5 + stats);
  if (!s.boolInput(3 + stats))
    return s.bindOutput(0, frozenBatchNorm(s, input, weight, bias, runningMean,
                                           runningVar, eps, "batch_norm"));
  TrainedBatchNorm trained =
      trainedBatchNorm(s, input, weight, bias, runningMean, runningVar,
                       s.doubleInput(4 + stats), eps, "batch_norm");
  s.bindOutput(0, trained.result);
  if (trained.runningMean)
    bindWritten(s, 3, Imported{trained.runningMean});
  if (trained.runningVar)
    bindWritten(s, 4, Imported{trained.runningVar});
}

/// `_native_batch_norm_legit_functional(input, weight, bias, running_mean,
/// running_var, training, momentum, eps)` (core ATen): batch_norm whose
/// new running statistics are results 3 and 4 (the program returns them as
/// buffer mutations).
void batchNormFunctional(ImporterState &s) {
  for (size_t i : {1, 2})
    if (s.node->outputs()[i]->hasUses())
      s.fail("the mean or rstd result of _native_batch_norm_legit_functional "
             "is used; dsc imports forward programs, which use the "
             "normalised output only");
  if (!s.boolInput(5))
    s.fail("_native_batch_norm_legit_functional in eval mode "
           "(training=False) is not supported; core ATen writes that "
           "_native_batch_norm_legit_no_training");
  TrainedBatchNorm trained = trainedBatchNorm(
      s, s.tensorInput(0), optionalTensor(s, 1), optionalTensor(s, 2),
      s.tensorInput(3), s.tensorInput(4), s.doubleInput(6), s.doubleInput(7),
      "_native_batch_norm_legit_functional");
  s.bindOutput(0, trained.result);
  s.bindOutput(3, trained.runningMean);
  s.bindOutput(4, trained.runningVar);
}

/// `_native_batch_norm_legit_no_training(input, weight, bias,
/// running_mean, running_var, momentum, eps)` (core ATen).
void batchNormNoTraining(ImporterState &s) {
  checkStatisticsUnused(s, "_native_batch_norm_legit_no_training");
  s.bindOutput(0, frozenBatchNorm(s, s.tensorInput(0), optionalTensor(s, 1),
                                  optionalTensor(s, 2), optionalTensor(s, 3),
                                  optionalTensor(s, 4), s.doubleInput(6),
                                  "batch_norm"));
}

/// `_weight_norm(v, g, dim)` (nn.utils.weight_norm and its
/// parametrization): v * (g / ||v||), the 2-norm over every dimension but
/// `dim` (over all of v for dim -1, as PyTorch's WeightNorm.cpp).
void weightNorm(ImporterState &s) {
  Value v = s.tensorInput(0);
  Value g = s.tensorInput(1);
  int64_t rank = typeOf(v).getRank();
  // -1 means the whole tensor (norm_except_dim), other negative
  // dimensions count from the end.
  int64_t dim = s.intInput(2);
  if (dim < -1)
    dim += rank;
  if (dim < -1 || dim >= rank)
    s.fail("aten::_weight_norm: dimension " + std::to_string(s.intInput(2)) +
           " is out of range");
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < rank; ++d)
    if (d != dim)
      dims.push_back(d);
  Value norm = twoNorm(s, v, s.builder.getDenseI64ArrayAttr(dims),
                       /*keepdim=*/true);
  Value scale =
      ds::DivOp::create(s.builder, s.loc, reshape(s, g, typeOf(norm)), norm);
  s.bindOutput(0, ds::MulOp::create(s.builder, s.loc, v, scale));
}

} // namespace

void dsc::ts::addNormConversions(llvm::StringMap<Conversion> &table) {
  table["aten::layer_norm"] = layerNorm;
  table["aten::native_layer_norm"] = nativeLayerNorm;
  table["aten::rms_norm"] = rmsNorm;
  table["aten::group_norm"] = groupNormConversion;
  table["aten::native_group_norm"] = nativeGroupNorm;
  table["aten::_weight_norm"] = weightNorm;
  table["aten::batch_norm"] = batchNorm;
  table["aten::native_batch_norm"] = batchNorm;
  table["aten::_native_batch_norm_legit"] = batchNorm;
  table["aten::_native_batch_norm_legit_functional"] = batchNormFunctional;
  table["aten::_native_batch_norm_legit_no_training"] = batchNormNoTraining;
}
