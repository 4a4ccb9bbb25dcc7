//===- ElementwiseConversions.cpp - elementwise aten functions to ds ------===//
//
// Elementwise aten functions that are ds arithmetic in PyTorch's own
// formulation (ATen's CPU kernels, derivatives.yaml): floor, ceil, trunc,
// round (with decimals) and frac (`ds.round`, whose gradient is zero),
// reciprocal (`1.0 / x` exports as one), log2 and log10, lerp, addcmul and
// addcdiv, fmax and fmin, and the float classes isnan, isinf and isfinite.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace dsc::ts;

namespace {

/// `x` rounded as `mode` says; integers are integral already (PyTorch
/// returns them unchanged).
Value rounded(ImporterState &s, Value x, ds::RoundingMode mode) {
  if (!isa<FloatType>(typeOf(x).getElementType()))
    return x;
  return ds::RoundOp::create(s.builder, s.loc, x, mode);
}

template <ds::RoundingMode mode> void rounding(ImporterState &s) {
  s.bindOutput(0, rounded(s, s.tensorInputAs(0, s.outputScalarType()), mode));
}

/// `round(self, decimals)`: ATen's round_decimals, `nearbyint(x * 10^d) /
/// 10^d`, or `nearbyint(x / 10^-d) * 10^-d` for negative `d`.
void round(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  int64_t decimals = s.node->inputs().size() > 1 ? s.intInput(1) : 0;
  if (decimals == 0 || !isa<FloatType>(typeOf(x).getElementType()))
    return s.bindOutput(0, rounded(s, x, ds::RoundingMode::Even));
  Type element = typeOf(x).getElementType();
  Value tenPow = scalar(
      s, std::pow(10.0, static_cast<double>(std::abs(decimals))), element);
  auto op = [&](bool multiply, Value a, Value b) -> Value {
    if (multiply)
      return ds::MulOp::create(s.builder, s.loc, a, b);
    return ds::DivOp::create(s.builder, s.loc, a, b);
  };
  Value scaled = op(decimals > 0, x, tenPow);
  s.bindOutput(
      0, op(decimals < 0, rounded(s, scaled, ds::RoundingMode::Even), tenPow));
}

/// `frac(x) = x - trunc(x)`, as ATen computes it; the gradient is x's.
void frac(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  s.bindOutput(0, ds::SubOp::create(s.builder, s.loc, x,
                                    rounded(s, x, ds::RoundingMode::Trunc)));
}

/// `reciprocal(x) = 1 / x`: the division ATen's kernel does.
void reciprocal(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  Value one = scalar(s, 1.0, typeOf(x).getElementType());
  s.bindOutput(0, ds::DivOp::create(s.builder, s.loc, one, x));
}

/// `log2`/`log10`: `log(x) / log(base)` (within a rounding of ATen's
/// direct kernels; the gradient `g / (x log(base))` likewise).
template <int base> void logBase(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  Value log = ds::LogOp::create(s.builder, s.loc, x);
  s.bindOutput(0,
               ds::DivOp::create(s.builder, s.loc, log,
                                 scalar(s, std::log(static_cast<double>(base)),
                                        typeOf(x).getElementType())));
}

/// `lerp(self, end, weight)`: ATen's `self + weight * (end - self)` where
/// |weight| < 1/2, else `end - (end - self) * (1 - weight)`, chosen per
/// element for a tensor weight.
void lerp(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value self = s.tensorInputAs(0, type), end = s.tensorInputAs(1, type);
  Type element = typeOf(self).getElementType();
  Value diff = ds::SubOp::create(s.builder, s.loc, end, self);
  auto fromSelf = [&](Value weight) -> Value {
    return ds::AddOp::create(s.builder, s.loc, self,
                             ds::MulOp::create(s.builder, s.loc, weight, diff));
  };
  auto fromEnd = [&](Value weight) -> Value {
    Value rest =
        ds::SubOp::create(s.builder, s.loc, scalar(s, 1.0, element), weight);
    return ds::SubOp::create(s.builder, s.loc, end,
                             ds::MulOp::create(s.builder, s.loc, diff, rest));
  };
  if (!s.inputScalarType(2)) {
    double w = s.doubleInput(2);
    Value weight = scalar(s, w, element);
    return s.bindOutput(0,
                        std::abs(w) < 0.5 ? fromSelf(weight) : fromEnd(weight));
  }
  Value weight = s.tensorInputAs(2, type);
  Value magnitude = absolute(s, weight);
  Value near = ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::LT,
                                     magnitude, scalar(s, 0.5, element));
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, near, fromSelf(weight),
                                       fromEnd(weight)));
}

/// `addcmul`/`addcdiv(self, tensor1, tensor2, value)`: ATen's
/// `self + value * tensor1 * tensor2` (or `/ tensor2`), in that order.
template <typename OpTy> void addCombined(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value self = s.tensorInputAs(0, type);
  Value t1 = s.tensorInputAs(1, type), t2 = s.tensorInputAs(2, type);
  double value = s.node->inputs().size() > 3 ? s.doubleInput(3) : 1.0;
  if (value != 1.0)
    t1 = ds::MulOp::create(s.builder, s.loc,
                           scalar(s, value, typeOf(t1).getElementType()), t1);
  s.bindOutput(0, ds::AddOp::create(s.builder, s.loc, self,
                                    OpTy::create(s.builder, s.loc, t1, t2)));
}

/// `fmax`/`fmin(a, b)`: the larger (smaller), the other where one is NaN.
/// A choice: PyTorch gives the whole gradient to `a` where it is chosen
/// (ties included), to `b` elsewhere.
template <bool isMax> void fmaxOrMin(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value a = s.tensorInputAs(0, type), b = s.tensorInputAs(1, type);
  auto compare = [&](ds::CompareDirection direction, Value x, Value y) {
    return ds::CompareOp::create(s.builder, s.loc, direction, x, y);
  };
  Value aWins = compare(
      isMax ? ds::CompareDirection::GE : ds::CompareDirection::LE, a, b);
  if (isa<FloatType>(typeOf(a).getElementType())) {
    Value bNan = compare(ds::CompareDirection::NE, b, b);
    aWins = ds::SelectOp::create(s.builder, s.loc, bNan, boolScalar(s, true),
                                 aWins);
  }
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, aWins, a, b));
}

/// `isnan` (x != x), `isinf` (|x| == inf) and `isfinite` (|x| < inf, false
/// for NaN); integers are all finite.
enum class FloatClass { Nan, Inf, Finite };
template <FloatClass which> void classify(ImporterState &s) {
  Value x = s.tensorInput(0);
  auto type = typeOf(x);
  if (!isa<FloatType>(type.getElementType()))
    return s.bindOutput(
        0, s.materialize(at::full(type.getShape(), which == FloatClass::Finite,
                                  at::TensorOptions(at::kBool))));
  if (which == FloatClass::Nan)
    return s.bindOutput(0,
                        ds::CompareOp::create(s.builder, s.loc,
                                              ds::CompareDirection::NE, x, x));
  Value inf =
      scalar(s, std::numeric_limits<double>::infinity(), type.getElementType());
  s.bindOutput(0, ds::CompareOp::create(s.builder, s.loc,
                                        which == FloatClass::Inf
                                            ? ds::CompareDirection::EQ
                                            : ds::CompareDirection::LT,
                                        absolute(s, x), inf));
}

} // namespace

void dsc::ts::addElementwiseConversions(llvm::StringMap<Conversion> &table) {
  table["aten::floor"] = rounding<ds::RoundingMode::Floor>;
  table["aten::ceil"] = rounding<ds::RoundingMode::Ceil>;
  table["aten::trunc"] = rounding<ds::RoundingMode::Trunc>;
  table["aten::fix"] = rounding<ds::RoundingMode::Trunc>;
  table["aten::round"] = round;
  table["aten::frac"] = frac;
  table["aten::reciprocal"] = reciprocal;
  table["aten::log2"] = logBase<2>;
  table["aten::log10"] = logBase<10>;
  table["aten::lerp"] = lerp;
  table["aten::addcmul"] = addCombined<ds::MulOp>;
  table["aten::addcdiv"] = addCombined<ds::DivOp>;
  table["aten::fmax"] = fmaxOrMin<true>;
  table["aten::fmin"] = fmaxOrMin<false>;
  table["aten::isnan"] = classify<FloatClass::Nan>;
  table["aten::isinf"] = classify<FloatClass::Inf>;
  table["aten::isfinite"] = classify<FloatClass::Finite>;
}
