//===- ActivationConversions.cpp - piecewise activations to ds ------------===//
//
// leaky_relu, prelu, elu (selu, celu), hardtanh (relu6), hardsigmoid,
// hardswish and mish as choices (ds.select) between their pieces, compared
// on the input as PyTorch's kernels compare it, so that each boundary takes
// PyTorch's piece and its backward's gradient: hardtanh and hardsigmoid
// pass none at their bounds, hardswish's slope is 0 at -3 and 1 at 3. The
// exponentials of elu and mish read 0 on the other branch, so that it
// cannot overflow into a NaN gradient.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

using namespace mlir;
using namespace dsc::ts;

namespace {

Value compare(ImporterState &s, ds::CompareDirection direction, Value x,
              double bound) {
  return ds::CompareOp::create(s.builder, s.loc, direction, x,
                               scalar(s, bound, typeOf(x).getElementType()));
}

Value select(ImporterState &s, Value mask, Value chosen, Value other) {
  return ds::SelectOp::create(s.builder, s.loc, mask, chosen, other);
}

Value constantLike(ImporterState &s, Value x, double value) {
  return scalar(s, value, typeOf(x).getElementType());
}

/// Input 0, checked to be floating point, in the result's dtype.
Value floatInput(ImporterState &s, StringRef op) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  if (!isa<FloatType>(typeOf(x).getElementType()))
    s.fail("aten::" + op.str() + " of an integer tensor is not supported");
  return x;
}

/// A coefficient as PyTorch's kernels hold it: in float for float,
/// bfloat16 and half tensors (their opmath type), in double for double.
double coefficient(Value x, double value) {
  return typeOf(x).getElementType().isF64()
             ? value
             : static_cast<double>(static_cast<float>(value));
}

/// `x * c`, or `x` where c is 1.
Value scaled(ImporterState &s, Value x, double c) {
  return c == 1.0
             ? x
             : ds::MulOp::create(s.builder, s.loc, x, constantLike(s, x, c))
                   .getResult();
}

/// `leaky_relu(self, negative_slope)`: x > 0 ? x : x * slope.
void leakyRelu(ImporterState &s) {
  Value x = floatInput(s, "leaky_relu");
  double slope = s.node->inputs().size() > 1 ? s.doubleInput(1) : 0.01;
  s.bindOutput(0, select(s, compare(s, ds::CompareDirection::GT, x, 0.0), x,
                         scaled(s, x, coefficient(x, slope))));
}

/// `prelu(self, weight)` (`_prelu_kernel`): x > 0 ? x : weight * x, one
/// weight for all channels or one per channel (dimension 1).
void prelu(ImporterState &s) {
  Value x = floatInput(s, "prelu");
  Value weight = s.tensorInputAs(1, s.outputScalarType());
  auto type = typeOf(x);
  int64_t count = typeOf(weight).getNumElements();
  SmallVector<int64_t> shape;
  if (count != 1) {
    int64_t channel = type.getRank() > 1 ? 1 : 0;
    if (type.getRank() == 0 || type.getDimSize(channel) != count)
      s.fail("aten::prelu: " + std::to_string(count) +
             " weights for an input whose channel dimension differs");
    shape.assign(type.getRank() - channel, 1);
    shape.front() = count;
  }
  Value negative =
      ds::MulOp::create(s.builder, s.loc, reshape(s, weight, shape), x);
  s.bindOutput(
      0, select(s, compare(s, ds::CompareDirection::GT, x, 0.0), x, negative));
}

/// PyTorch's elu kernel: x <= 0 ? expm1(x * input_scale) * alpha * scale :
/// x * scale.
void bindElu(ImporterState &s, Value x, double alpha, double scale,
             double inputScale) {
  Value negative = compare(s, ds::CompareDirection::LE, x, 0.0);
  Value safe = select(s, negative, scaled(s, x, coefficient(x, inputScale)),
                      constantLike(s, x, 0.0));
  double negcoef = coefficient(x, alpha) * coefficient(x, scale);
  Value curve = scaled(s, ds::Expm1Op::create(s.builder, s.loc, safe),
                       coefficient(x, negcoef));
  s.bindOutput(0,
               select(s, negative, curve, scaled(s, x, coefficient(x, scale))));
}

/// `elu(self, alpha, scale, input_scale)`.
void elu(ImporterState &s) {
  Value x = floatInput(s, "elu");
  size_t n = s.node->inputs().size();
  bindElu(s, x, n > 1 ? s.doubleInput(1) : 1.0, n > 2 ? s.doubleInput(2) : 1.0,
          n > 3 ? s.doubleInput(3) : 1.0);
}

/// `selu(self)`: elu with PyTorch's constants.
void selu(ImporterState &s) {
  bindElu(s, floatInput(s, "selu"), 1.6732632423543772848170429916717,
          1.0507009873554804934193349852946, 1.0);
}

/// `celu(self, alpha)`: elu(x, alpha, 1, 1 / alpha).
void celu(ImporterState &s) {
  double alpha = s.node->inputs().size() > 1 ? s.doubleInput(1) : 1.0;
  if (alpha == 0.0)
    s.fail("aten::celu with alpha 0");
  bindElu(s, floatInput(s, "celu"), alpha, 1.0, 1.0 / alpha);
}

/// x clamped to [low, high] with no gradient at or beyond either bound
/// (hardtanh_backward).
Value hardClamp(ImporterState &s, Value x, double low, double high) {
  Value inner = select(s, compare(s, ds::CompareDirection::GE, x, high),
                       constantLike(s, x, high), x);
  return select(s, compare(s, ds::CompareDirection::LE, x, low),
                constantLike(s, x, low), inner);
}

/// `hardtanh(self, min_val, max_val)`.
void hardtanh(ImporterState &s) {
  Value x = floatInput(s, "hardtanh");
  size_t n = s.node->inputs().size();
  s.bindOutput(0, hardClamp(s, x, n > 1 ? s.doubleInput(1) : -1.0,
                            n > 2 ? s.doubleInput(2) : 1.0));
}

/// `relu6(self)`: hardtanh(x, 0, 6), as PyTorch defines it.
void relu6(ImporterState &s) {
  s.bindOutput(0, hardClamp(s, floatInput(s, "relu6"), 0.0, 6.0));
}

/// `hardsigmoid(self)`: min(max(x + 3, 0), 6) / 6, gradient 1/6 strictly
/// between -3 and 3 and none elsewhere, NaN included (its value there is
/// the ramp's NaN, through ds.stop_gradient).
void hardsigmoid(ImporterState &s) {
  Value x = floatInput(s, "hardsigmoid");
  Value ramp = ds::DivOp::create(
      s.builder, s.loc,
      ds::AddOp::create(s.builder, s.loc, x, constantLike(s, x, 3.0)),
      constantLike(s, x, 6.0));
  Value inside = select(s, compare(s, ds::CompareDirection::GT, x, -3.0),
                        compare(s, ds::CompareDirection::LT, x, 3.0),
                        boolScalar(s, false));
  Value upper = select(s, compare(s, ds::CompareDirection::GE, x, 3.0),
                       constantLike(s, x, 1.0),
                       ds::StopGradientOp::create(s.builder, s.loc, ramp));
  Value outside = select(s, compare(s, ds::CompareDirection::LE, x, -3.0),
                         constantLike(s, x, 0.0), upper);
  s.bindOutput(0, select(s, inside, ramp, outside));
}

/// `hardswish(self)`: x * min(max(x + 3, 0), 6) / 6, the clamp's pieces
/// chosen as hardswish_backward's: 0 up to -3 inclusive, x + 3 below 3, 6
/// from 3 (gradients 0, x / 3 + 1/2, 1).
void hardswish(ImporterState &s) {
  Value x = floatInput(s, "hardswish");
  Value shifted =
      ds::AddOp::create(s.builder, s.loc, x, constantLike(s, x, 3.0));
  Value upper = select(s, compare(s, ds::CompareDirection::LT, x, 3.0), shifted,
                       constantLike(s, x, 6.0));
  Value clamped = select(s, compare(s, ds::CompareDirection::LE, x, -3.0),
                         constantLike(s, x, 0.0), upper);
  s.bindOutput(
      0, ds::DivOp::create(s.builder, s.loc,
                           ds::MulOp::create(s.builder, s.loc, x, clamped),
                           constantLike(s, x, 6.0)));
}

/// `mish(self)`: x * tanh(log1p(exp(x))) as PyTorch's kernel, except above
/// 20, where that rounds to x in float and double (tanh is 1) and PyTorch's
/// backward gives the gradient itself: there x is chosen and the
/// exponential reads 0, so that it cannot overflow into a NaN gradient.
void mish(ImporterState &s) {
  Value x = floatInput(s, "mish");
  Value linear = compare(s, ds::CompareDirection::GT, x, 20.0);
  Value safe = select(s, linear, constantLike(s, x, 0.0), x);
  Value softplus = ds::Log1pOp::create(
      s.builder, s.loc, ds::ExpOp::create(s.builder, s.loc, safe));
  Value curve = ds::MulOp::create(
      s.builder, s.loc, x, ds::TanhOp::create(s.builder, s.loc, softplus));
  s.bindOutput(0, select(s, linear, x, curve));
}

} // namespace

void dsc::ts::addActivationConversions(llvm::StringMap<Conversion> &table) {
  table["aten::leaky_relu"] = leakyRelu;
  table["aten::prelu"] = prelu;
  table["aten::_prelu_kernel"] = prelu;
  table["aten::elu"] = elu;
  table["aten::selu"] = selu;
  table["aten::celu"] = celu;
  table["aten::hardtanh"] = hardtanh;
  table["aten::relu6"] = relu6;
  table["aten::hardsigmoid"] = hardsigmoid;
  table["aten::hardswish"] = hardswish;
  table["aten::mish"] = mish;
}
