//===- ElementwiseConversions.cpp - elementwise aten functions to ds ------===//
//
// Elementwise aten functions that are ds arithmetic in PyTorch's own
// formulation (ATen's CPU kernels, derivatives.yaml): floor, ceil, trunc,
// round (with decimals) and frac (`ds.round`, whose gradient is zero),
// reciprocal (`1.0 / x` exports as one), lerp, addcmul and addcdiv (ATen's
// vectorised kernels fuse the last multiply-add: these differ from it by a
// rounding), fmax and fmin, and the float classes isnan, isinf and
// isfinite; pow (ds.pow, or ds.power by a computed exponent), gelu and
// where. Half and bfloat16 compute in float and round once, as ATen
// does.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace dsc::ts;

namespace {

/// The type a composed formula computes in: float for bfloat16 and half,
/// as ATen's kernels do before rounding once to the result's type.
c10::ScalarType computeType(c10::ScalarType type) {
  return type == c10::ScalarType::BFloat16 || type == c10::ScalarType::Half
             ? c10::ScalarType::Float
             : type;
}

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
  c10::ScalarType outType = s.outputScalarType();
  int64_t decimals = s.node->inputs().size() > 1 ? s.intInput(1) : 0;
  if (decimals == 0 || !c10::isFloatingType(outType))
    return s.bindOutput(
        0, rounded(s, s.tensorInputAs(0, outType), ds::RoundingMode::Even));
  Value x = s.tensorInputAs(0, computeType(outType));
  Type element = typeOf(x).getElementType();
  Value tenPow = scalar(
      s, std::pow(10.0, static_cast<double>(std::abs(decimals))), element);
  auto op = [&](bool multiply, Value a, Value b) -> Value {
    if (multiply)
      return ds::MulOp::create(s.builder, s.loc, a, b);
    return ds::DivOp::create(s.builder, s.loc, a, b);
  };
  Value scaled = op(decimals > 0, x, tenPow);
  bindInOutputType(
      s, op(decimals < 0, rounded(s, scaled, ds::RoundingMode::Even), tenPow));
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

/// `lerp(self, end, weight)`: ATen's `self + weight * (end - self)` where
/// |weight| < 1/2, else `end - (end - self) * (1 - weight)`, chosen per
/// element for a tensor weight.
void lerp(ImporterState &s) {
  c10::ScalarType type = computeType(s.outputScalarType());
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
    // The weight as the tensors' own type holds it, which ATen compares.
    double w = at::scalar_tensor(s.doubleInput(2),
                                 at::TensorOptions(s.outputScalarType()))
                   .item<double>();
    Value weight = scalar(s, w, element);
    return bindInOutputType(s, std::abs(w) < 0.5 ? fromSelf(weight)
                                                 : fromEnd(weight));
  }
  Value weight = s.tensorInputAs(2, type);
  Value magnitude = absolute(s, weight);
  Value near = ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::LT,
                                     magnitude, scalar(s, 0.5, element));
  bindInOutputType(s, ds::SelectOp::create(s.builder, s.loc, near,
                                           fromSelf(weight), fromEnd(weight)));
}

/// `addcmul`/`addcdiv(self, tensor1, tensor2, value)`: ATen's
/// `self + value * tensor1 * tensor2` (or `/ tensor2`), in that order.
template <typename OpTy> void addCombined(ImporterState &s) {
  c10::ScalarType type = computeType(s.outputScalarType());
  Value self = s.tensorInputAs(0, type);
  Value t1 = s.tensorInputAs(1, type), t2 = s.tensorInputAs(2, type);
  double value = s.node->inputs().size() > 3 ? s.doubleInput(3) : 1.0;
  if (value != 1.0)
    t1 = ds::MulOp::create(s.builder, s.loc,
                           scalar(s, value, typeOf(t1).getElementType()), t1);
  bindInOutputType(s,
                   ds::AddOp::create(s.builder, s.loc, self,
                                     OpTy::create(s.builder, s.loc, t1, t2)));
}

/// `fmax`/`fmin(a, b)`: the larger (smaller), the other where one is NaN.
/// A choice: PyTorch gives the whole gradient to `a` where it is chosen
/// (ties included), to `b` elsewhere. Booleans order as 0 and 1 (int8).
template <bool isMax> void fmaxOrMin(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  if (type == c10::ScalarType::Bool)
    type = c10::ScalarType::Char;
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
  Value chosen = ds::SelectOp::create(s.builder, s.loc, aWins, a, b);
  s.bindOutput(0, s.convertTo(chosen, s.elementType(s.outputScalarType())));
}

/// `isnan` (x != x), `isinf` (|x| == inf) and `isfinite` (|x| < inf, false
/// for NaN); integers are all finite.
enum class FloatClass { Nan, Inf, Finite };
template <FloatClass which> void classify(ImporterState &s) {
  Value x = s.tensorInput(0);
  auto type = typeOf(x);
  // Integers: x == x is all true, x != x all false.
  if (!isa<FloatType>(type.getElementType()))
    return s.bindOutput(0, ds::CompareOp::create(s.builder, s.loc,
                                                 which == FloatClass::Finite
                                                     ? ds::CompareDirection::EQ
                                                     : ds::CompareDirection::NE,
                                                 x, x));
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

/// `pow`: ds.pow by a constant exponent, ds.power by a computed one (of
/// floats: also a constant base, `2 ** x`).
void pow(ImporterState &s) {
  if (!s.hasConstantInput(1)) {
    c10::ScalarType type = s.outputScalarType();
    if (!c10::isFloatingType(type))
      s.fail("aten::pow of integers with a tensor exponent is not supported");
    s.bindOutput(0,
                 ds::PowerOp::create(s.builder, s.loc, s.tensorInputAs(0, type),
                                     s.tensorInputAs(1, type)));
    return;
  }
  Value input = s.tensorInputAs(0, s.outputScalarType());
  s.bindOutput(0, ds::PowOp::create(s.builder, s.loc, input,
                                    llvm::APFloat(s.doubleInput(1))));
}

void gelu(ImporterState &s) {
  std::string mode = s.node->inputs().size() > 1
                         ? s.constantInput(1).toStringRef()
                         : std::string("none");
  if (mode != "none" && mode != "tanh")
    s.fail("aten::gelu with approximate='" + mode + "'");
  s.bindOutput(0, ds::GeluOp::create(s.builder, s.loc, s.tensorInput(0),
                                     mode == "tanh"
                                         ? ds::GeluApproximation::Tanh
                                         : ds::GeluApproximation::None));
}

void where(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value cond = s.tensorInputAs(0, c10::ScalarType::Bool);
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, cond,
                                       s.tensorInputAs(1, type),
                                       s.tensorInputAs(2, type)));
}

} // namespace

void dsc::ts::addElementwiseConversions(llvm::StringMap<Conversion> &table) {
  table["aten::pow"] = pow;
  table["aten::gelu"] = gelu;
  table["aten::where"] = where;
  table["aten::floor"] = rounding<ds::RoundingMode::Floor>;
  table["aten::ceil"] = rounding<ds::RoundingMode::Ceil>;
  table["aten::trunc"] = rounding<ds::RoundingMode::Trunc>;
  table["aten::fix"] = rounding<ds::RoundingMode::Trunc>;
  table["aten::round"] = round;
  table["aten::frac"] = frac;
  table["aten::reciprocal"] = reciprocal;
  table["aten::lerp"] = lerp;
  table["aten::addcmul"] = addCombined<ds::MulOp>;
  table["aten::addcdiv"] = addCombined<ds::DivOp>;
  table["aten::fmax"] = fmaxOrMin<true>;
  table["aten::fmin"] = fmaxOrMin<false>;
  table["aten::isnan"] = classify<FloatClass::Nan>;
  table["aten::isinf"] = classify<FloatClass::Inf>;
  table["aten::isfinite"] = classify<FloatClass::Finite>;
}
