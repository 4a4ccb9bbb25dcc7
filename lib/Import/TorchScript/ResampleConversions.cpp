//===- ResampleConversions.cpp - interpolation to ds ----------------------===//
//
// `F.interpolate` (nn.Upsample): nearest, nearest-exact, linear, bilinear
// and trilinear, over the last one to three dimensions. The positions and
// weights depend only on the sizes, so they are computed here as PyTorch's
// CPU kernels compute them (UpSample.h: the scale from the sizes or the
// given scale factor, the source index, clamped) in the kernels' precision
// (float for float, bfloat16 and half inputs; double for double). Each
// dimension is then one pick of its source positions (`pick`: slices or
// one ds.embedding), and for the linear modes two picks weighted by
// constants: `w0 * x[i0] + w1 * x[i1]`, the last dimension first. The
// gradient is the picks' (embedding_grad adds a position picked twice), as
// PyTorch's backward adds into the source positions. Antialiasing and
// bicubic are refused.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include <cmath>
#include <optional>

using namespace mlir;
using namespace dsc::ts;

namespace {

enum class Mode { Nearest, NearestExact, Linear };

/// One spatial dimension's sizes and PyTorch's scale factor, if given.
struct Axis {
  int64_t in, out;
  std::optional<double> scale;
};

/// The scale factors the node gives for its `spatial` dimensions, from
/// input `i` on: a list (the `.vec` overloads' `scale_factors`) or one
/// optional float per dimension (`scales_h`, `scales_w`); none given, none.
std::vector<std::optional<double>> scaleFactors(ImporterState &s, size_t i,
                                                size_t spatial) {
  std::vector<std::optional<double>> scales(spatial);
  size_t inputs = s.node->inputs().size();
  if (i >= inputs || isNone(s, i))
    return scales;
  const c10::IValue &value = s.constantInput(i);
  if (value.isDoubleList()) {
    std::vector<double> list = value.toDoubleVector();
    if (list.size() != spatial)
      s.fail(std::string(s.node->kind().toQualString()) + ": " +
             std::to_string(list.size()) + " scale factors for " +
             std::to_string(spatial) + " dimensions");
    for (size_t d = 0; d < spatial; ++d)
      scales[d] = list[d];
    return scales;
  }
  for (size_t d = 0; d < spatial && i + d < inputs; ++d)
    if (!isNone(s, i + d))
      scales[d] = s.doubleInput(i + d);
  return scales;
}

/// PyTorch's compute_scales_value / area_pixel_compute_scale in T.
template <typename T> T sourceScale(const Axis &axis, bool alignCorners) {
  if (alignCorners)
    return axis.out > 1 ? static_cast<T>(axis.in - 1) / (axis.out - 1) : T(0);
  if (axis.scale && *axis.scale > 0)
    return static_cast<T>(1.0 / *axis.scale);
  return static_cast<T>(axis.in) / axis.out;
}

/// The source position of each output position in nearest modes
/// (nearest_idx, nearest_neighbor_exact_compute_source_index).
std::vector<int64_t> nearestPositions(const Axis &axis, bool exact) {
  std::vector<int64_t> positions(axis.out);
  float scale = sourceScale<float>(axis, /*alignCorners=*/false);
  for (int64_t o = 0; o < axis.out; ++o) {
    if (!exact && axis.out == axis.in)
      positions[o] = o;
    else if (!exact && axis.out == 2 * axis.in)
      positions[o] = o >> 1;
    else {
      float src = exact ? (static_cast<float>(o) + 0.5f) * scale
                        : static_cast<float>(o) * scale;
      positions[o] =
          std::min(static_cast<int64_t>(std::floor(src)), axis.in - 1);
    }
  }
  return positions;
}

/// The two source positions of each output position and their weights in
/// linear modes (area_pixel_compute_source_index, guard_index_and_lambda).
struct LinearTaps {
  std::vector<int64_t> first, second;
  std::vector<double> firstWeight, secondWeight;
  /// Whether every output is its own input (the same size, weight 1).
  bool identity = true;
};

template <typename T>
LinearTaps linearTaps(const Axis &axis, bool alignCorners) {
  LinearTaps taps;
  T scale = sourceScale<T>(axis, alignCorners);
  for (int64_t o = 0; o < axis.out; ++o) {
    T src = alignCorners ? scale * static_cast<T>(o)
                         : scale * (static_cast<T>(o) + T(0.5)) - T(0.5);
    if (src < 0)
      src = 0;
    int64_t index =
        std::min(static_cast<int64_t>(std::floor(src)), axis.in - 1);
    T lambda = std::min(std::max(src - static_cast<T>(index), T(0)), T(1));
    taps.first.push_back(index);
    taps.second.push_back(index + (index < axis.in - 1 ? 1 : 0));
    taps.firstWeight.push_back(static_cast<double>(T(1) - lambda));
    taps.secondWeight.push_back(static_cast<double>(lambda));
    taps.identity =
        taps.identity && axis.in == axis.out && index == o && lambda == T(0);
  }
  return taps;
}

/// `weights` as a constant of the output's dtype (`x`'s) shaped to
/// broadcast along `dim` of `x`.
Value weightsAlong(ImporterState &s, Value x, int64_t dim,
                   const std::vector<double> &weights) {
  auto type = typeOf(x);
  std::vector<int64_t> shape(type.getRank(), 1);
  shape[dim] = static_cast<int64_t>(weights.size());
  return s.materialize(
      at::tensor(weights, at::kDouble).view(shape).to(s.outputScalarType()));
}

/// Interpolates `x` along its last `axes.size()` dimensions.
Value resample(ImporterState &s, Value x, ArrayRef<Axis> axes, Mode mode,
               bool alignCorners) {
  int64_t rank = typeOf(x).getRank();
  bool doubles = typeOf(x).getElementType().isF64();
  for (int64_t d = static_cast<int64_t>(axes.size()) - 1; d >= 0; --d) {
    int64_t dim = rank - static_cast<int64_t>(axes.size()) + d;
    const Axis &axis = axes[d];
    if (mode != Mode::Linear) {
      std::vector<int64_t> positions =
          nearestPositions(axis, mode == Mode::NearestExact);
      bool identity = axis.in == axis.out;
      for (int64_t o = 0; identity && o < axis.out; ++o)
        identity = positions[o] == o;
      if (!identity)
        x = pick(s, x, dim, positions);
      continue;
    }
    LinearTaps taps = doubles ? linearTaps<double>(axis, alignCorners)
                              : linearTaps<float>(axis, alignCorners);
    if (taps.identity)
      continue;
    Value first =
        ds::MulOp::create(s.builder, s.loc, pick(s, x, dim, taps.first),
                          weightsAlong(s, x, dim, taps.firstWeight));
    Value second =
        ds::MulOp::create(s.builder, s.loc, pick(s, x, dim, taps.second),
                          weightsAlong(s, x, dim, taps.secondWeight));
    x = ds::AddOp::create(s.builder, s.loc, first, second);
  }
  return x;
}

/// Binds an upsample over `spatial` dimensions: input 0 the tensor [N, C,
/// spatial...], the output's sizes from its example result,
/// `align_corners` at input 2 for the linear modes, the scale factors
/// after it.
void upsample(ImporterState &s, size_t spatial, Mode mode) {
  Value x = s.tensorInput(0);
  auto type = typeOf(x);
  RankedTensorType result = s.outputType();
  std::string op = s.node->kind().toQualString();
  if (!isa<FloatType>(type.getElementType()))
    s.fail(op + " of a non-float tensor is not supported");
  if (type.getRank() != static_cast<int64_t>(spatial) + 2 ||
      result.getRank() != type.getRank())
    s.fail(op + ": expected an input of rank " + std::to_string(spatial + 2) +
           " (N, C and the sizes)");
  bool linear = mode == Mode::Linear;
  bool alignCorners = linear && s.boolInput(2);
  std::vector<std::optional<double>> scales =
      scaleFactors(s, linear ? 3 : 2, spatial);
  SmallVector<Axis> axes;
  for (size_t d = 0; d < spatial; ++d) {
    int64_t dim = static_cast<int64_t>(d) + 2;
    axes.push_back({type.getDimSize(dim), result.getDimSize(dim), scales[d]});
    if (axes.back().in < 1 || axes.back().out < 1)
      s.fail(op + ": empty sizes are not supported");
  }
  s.bindOutput(0, resample(s, x, axes, mode, alignCorners));
}

template <size_t Spatial, Mode M> void upsampleOf(ImporterState &s) {
  upsample(s, Spatial, M);
}

} // namespace

void dsc::ts::addResampleConversions(llvm::StringMap<Conversion> &table) {
  table["aten::upsample_nearest1d"] = upsampleOf<1, Mode::Nearest>;
  table["aten::upsample_nearest2d"] = upsampleOf<2, Mode::Nearest>;
  table["aten::upsample_nearest3d"] = upsampleOf<3, Mode::Nearest>;
  table["aten::_upsample_nearest_exact1d"] = upsampleOf<1, Mode::NearestExact>;
  table["aten::_upsample_nearest_exact2d"] = upsampleOf<2, Mode::NearestExact>;
  table["aten::_upsample_nearest_exact3d"] = upsampleOf<3, Mode::NearestExact>;
  table["aten::upsample_linear1d"] = upsampleOf<1, Mode::Linear>;
  table["aten::upsample_bilinear2d"] = upsampleOf<2, Mode::Linear>;
  table["aten::upsample_trilinear3d"] = upsampleOf<3, Mode::Linear>;
}
