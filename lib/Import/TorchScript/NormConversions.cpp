//===- NormConversions.cpp - normalisations to ds -------------------------===//
//
// layer_norm and rms_norm (over the last dimensions: flattened into one for
// ds.layer_norm / ds.rms_norm), group_norm (the groups' channels and
// positions flattened into rows that ds.layer_norm normalises, the affine
// per channel after it) and the weight normalisation of
// nn.utils.weight_norm (`_weight_norm`: v * g / ||v||).
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

/// An optional affine parameter (weight or bias) input `i`, flattened to
/// one dimension as its input is.
Value flatParameter(ImporterState &s, size_t i) {
  if (isNone(s, i))
    return Value();
  Value parameter = s.tensorInput(i);
  return flattenTrailing(s, parameter, typeOf(parameter).getRank());
}

void layerNorm(ImporterState &s) {
  Value input = s.tensorInput(0);
  size_t n = normalizedDims(s, input, "layer_norm");
  Value normed = ds::LayerNormOp::create(
      s.builder, s.loc, flattenTrailing(s, input, n), flatParameter(s, 2),
      flatParameter(s, 3), llvm::APFloat(s.doubleInput(4)));
  s.bindOutput(0, reshape(s, normed, typeOf(input)));
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
  Value weight = isNone(s, 2) ? Value() : s.tensorInput(2);
  Value bias = isNone(s, 3) ? Value() : s.tensorInput(3);
  s.bindOutput(0, groupNorm(s, s.tensorInput(0), s.intInput(1), weight, bias,
                            s.doubleInput(4)));
}

/// `native_group_norm(input, weight, bias, N, C, HxW, group, eps)`.
void nativeGroupNorm(ImporterState &s) {
  checkStatisticsUnused(s, "native_group_norm");
  Value weight = isNone(s, 1) ? Value() : s.tensorInput(1);
  Value bias = isNone(s, 2) ? Value() : s.tensorInput(2);
  s.bindOutput(0, groupNorm(s, s.tensorInput(0), s.intInput(6), weight, bias,
                            s.doubleInput(7)));
}

/// `_weight_norm(v, g, dim)` (nn.utils.weight_norm and its
/// parametrization): v * (g / ||v||), the 2-norm over every dimension but
/// `dim` (over all of v for dim -1), as PyTorch's WeightNorm.cpp.
void weightNorm(ImporterState &s) {
  Value v = s.tensorInput(0);
  Value g = s.tensorInput(1);
  int64_t rank = typeOf(v).getRank();
  int64_t dim = s.intInput(2);
  if (dim < -1 || dim >= rank)
    s.fail("aten::_weight_norm: dimension " + std::to_string(dim) +
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
}
