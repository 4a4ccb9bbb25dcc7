//===- DSVJPElementwise.cpp - VJP rules of the elementwise ops ------------===//
//
// Each rule is the derivative PyTorch's autograd uses for the same function
// (tools/autograd/derivatives.yaml), composed from ds ops; the broadcasting
// binary ops sum each operand's gradient back to the operand's shape.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ds;
using namespace mlir::ds::vjp;

namespace {
/// Pushes `rule(resultGrad)` for the one operand of a unary op, or null when
/// the operand is not differentiable or the result has no gradient.
template <typename Rule>
LogicalResult unaryVJP(Operation *op, ArrayRef<Value> resultGrads,
                       SmallVectorImpl<Value> &operandGrads, Rule rule) {
  Value grad = resultGrads.front();
  bool differentiable = grad && isDifferentiable(op->getOperand(0).getType());
  operandGrads.push_back(differentiable ? rule(grad) : Value());
  return success();
}

/// Pushes `lhsRule(resultGrad)` and `rhsRule(resultGrad)`, each summed back
/// to its operand's shape, for a broadcasting binary op.
template <typename LhsRule, typename RhsRule>
LogicalResult binaryVJP(OpBuilder &builder, Operation *op,
                        ArrayRef<Value> resultGrads,
                        SmallVectorImpl<Value> &operandGrads, LhsRule lhsRule,
                        RhsRule rhsRule) {
  Value grad = resultGrads.front();
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  if (!grad || !isDifferentiable(lhs.getType())) {
    operandGrads.append(2, Value());
    return success();
  }
  Location loc = op->getLoc();
  operandGrads.push_back(sumToShape(builder, loc, lhsRule(grad),
                                    cast<RankedTensorType>(lhs.getType())));
  operandGrads.push_back(sumToShape(builder, loc, rhsRule(grad),
                                    cast<RankedTensorType>(rhs.getType())));
  return success();
}

/// `rule(grad, y)`, for a half or bfloat16 `grad` on both converted to
/// float32 and the result converted back once: ATen's backward kernels of
/// tanh and sigmoid compute in float, their opmath type, and round once.
template <typename Rule>
Value inOpmath(OpBuilder &builder, Location loc, Value grad, Value y,
               Rule rule) {
  auto type = cast<RankedTensorType>(grad.getType());
  if (!isa<Float16Type, BFloat16Type>(type.getElementType()))
    return rule(grad, y);
  auto wide = [&](Value v) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    return ConvertOp::create(builder, loc, t.clone(builder.getF32Type()), v);
  };
  return ConvertOp::create(builder, loc, type, rule(wide(grad), wide(y)));
}

Value mulByScalar(OpBuilder &builder, Location loc, Value value,
                  double scalar) {
  return MulOp::create(builder, loc, value,
                       createScalarLike(builder, loc, value, scalar));
}
} // namespace

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

LogicalResult NegOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return NegOp::create(builder, getLoc(), grad);
  });
}

LogicalResult ExpOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return MulOp::create(builder, getLoc(), grad, getResult());
  });
}

LogicalResult LogOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return DivOp::create(builder, getLoc(), grad, getInput());
  });
}

// PyTorch's log2/log10 backward: grad / (x * log(base)).
static Value logBaseGrad(OpBuilder &builder, Location loc, Value grad, Value x,
                         double base) {
  Value scaled = MulOp::create(
      builder, loc, x, createScalarLike(builder, loc, x, std::log(base)));
  return DivOp::create(builder, loc, grad, scaled);
}

LogicalResult Log2Op::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return logBaseGrad(builder, getLoc(), grad, getInput(), 2.0);
  });
}

LogicalResult Log10Op::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return logBaseGrad(builder, getLoc(), grad, getInput(), 10.0);
  });
}

LogicalResult Log1pOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's log1p_backward: grad / (x + 1).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Value shifted =
        AddOp::create(builder, getLoc(), getInput(),
                      createScalarLike(builder, getLoc(), getInput(), 1.0));
    return DivOp::create(builder, getLoc(), grad, shifted);
  });
}

LogicalResult Expm1Op::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's expm1 backward: grad * (result + 1).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Value shifted =
        AddOp::create(builder, getLoc(), getResult(),
                      createScalarLike(builder, getLoc(), getResult(), 1.0));
    return MulOp::create(builder, getLoc(), grad, shifted);
  });
}

LogicalResult ErfOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's erf backward: 2 / sqrt(pi) * exp(-x^2) * grad.
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    Value square = MulOp::create(builder, loc, getInput(), getInput());
    Value bell =
        ExpOp::create(builder, loc, NegOp::create(builder, loc, square));
    Value scaled = MulOp::create(
        builder, loc,
        createScalarLike(builder, loc, getInput(), 2.0 / std::sqrt(M_PI)),
        bell);
    return MulOp::create(builder, loc, scaled, grad);
  });
}

LogicalResult SinOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * cos(x).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return MulOp::create(builder, getLoc(), grad,
                         CosOp::create(builder, getLoc(), getInput()));
  });
}

LogicalResult CosOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * -sin(x).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Value sin = SinOp::create(builder, getLoc(), getInput());
    return MulOp::create(builder, getLoc(), grad,
                         NegOp::create(builder, getLoc(), sin));
  });
}

LogicalResult TanOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * (1 + tan(x)^2).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    Value square = MulOp::create(builder, loc, getResult(), getResult());
    Value derivative = AddOp::create(
        builder, loc, square, createScalarLike(builder, loc, square, 1.0));
    return MulOp::create(builder, loc, grad, derivative);
  });
}

namespace {
/// `c - x * x` (c = 1: asin, acos, atanh) or `x * x + c` (c = 1: asinh;
/// c = -1: acosh), as PyTorch's backward formulas write them.
Value oneMinusSquare(OpBuilder &builder, Location loc, Value x) {
  Value square = MulOp::create(builder, loc, x, x);
  return SubOp::create(builder, loc, createScalarLike(builder, loc, x, 1.0),
                       square);
}
Value squarePlus(OpBuilder &builder, Location loc, Value x, double c) {
  Value square = MulOp::create(builder, loc, x, x);
  return AddOp::create(builder, loc, square,
                       createScalarLike(builder, loc, x, c));
}
} // namespace

LogicalResult AsinOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * rsqrt(1 - x^2).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    Value root =
        RsqrtOp::create(builder, loc, oneMinusSquare(builder, loc, getInput()));
    return MulOp::create(builder, loc, grad, root);
  });
}

LogicalResult AcosOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * -rsqrt(1 - x^2).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    Value root =
        RsqrtOp::create(builder, loc, oneMinusSquare(builder, loc, getInput()));
    return MulOp::create(builder, loc, grad, NegOp::create(builder, loc, root));
  });
}

LogicalResult AtanOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad / (x^2 + 1).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return DivOp::create(builder, getLoc(), grad,
                         squarePlus(builder, getLoc(), getInput(), 1.0));
  });
}

LogicalResult SinhOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * cosh(x).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return MulOp::create(builder, getLoc(), grad,
                         CoshOp::create(builder, getLoc(), getInput()));
  });
}

LogicalResult CoshOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * sinh(x).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return MulOp::create(builder, getLoc(), grad,
                         SinhOp::create(builder, getLoc(), getInput()));
  });
}

LogicalResult AsinhOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * rsqrt(x^2 + 1).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    Value root = RsqrtOp::create(builder, loc,
                                 squarePlus(builder, loc, getInput(), 1.0));
    return MulOp::create(builder, loc, grad, root);
  });
}

LogicalResult AcoshOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * rsqrt(x^2 - 1).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    Value root = RsqrtOp::create(builder, loc,
                                 squarePlus(builder, loc, getInput(), -1.0));
    return MulOp::create(builder, loc, grad, root);
  });
}

LogicalResult AtanhOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad / (1 - x^2).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return DivOp::create(builder, getLoc(), grad,
                         oneMinusSquare(builder, getLoc(), getInput()));
  });
}

LogicalResult Exp2Op::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad * 2^x * ln 2.
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Value scaled = MulOp::create(builder, getLoc(), grad, getResult());
    return mulByScalar(builder, getLoc(), scaled, M_LN2);
  });
}

LogicalResult ErfinvOp::buildVJP(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: sqrt(pi) / 2 * exp(erfinv(x)^2) * grad.
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    Value square = MulOp::create(builder, loc, getResult(), getResult());
    Value scaled =
        mulByScalar(builder, loc, ExpOp::create(builder, loc, square),
                    0.5 * std::sqrt(M_PI));
    return MulOp::create(builder, loc, scaled, grad);
  });
}

LogicalResult SqrtOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // d sqrt(x) = 1 / (2 sqrt(x)).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Value twice = mulByScalar(builder, getLoc(), getResult(), 2.0);
    return DivOp::create(builder, getLoc(), grad, twice);
  });
}

LogicalResult RsqrtOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // d x^(-1/2) = -1/2 x^(-3/2) = -1/2 rsqrt(x)^3.
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Value cube = PowOp::create(builder, getLoc(), getResult(),
                               builder.getF64FloatAttr(3.0));
    Value scaled = MulOp::create(builder, getLoc(), grad, cube);
    return mulByScalar(builder, getLoc(), scaled, -0.5);
  });
}

LogicalResult TanhOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // d tanh(x) = 1 - tanh(x)^2: grad * (1 - y * y), as tanh_backward.
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    return inOpmath(builder, loc, grad, getResult(), [&](Value g, Value y) {
      Value square = MulOp::create(builder, loc, y, y);
      Value one = createScalarLike(builder, loc, g, 1.0);
      Value derivative = SubOp::create(builder, loc, one, square);
      return MulOp::create(builder, loc, g, derivative).getResult();
    });
  });
}

LogicalResult ReluOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // As torch's threshold_backward: the gradient passes where the result is
  // positive (0 at x = 0).
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    Value zero = createScalarLike(builder, loc, grad, 0.0);
    Value positive = CompareOp::create(builder, loc, CompareDirection::GT,
                                       getResult(), zero);
    return SelectOp::create(builder, loc, positive, grad, zero);
  });
}

LogicalResult SiluOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return SiluGradOp::create(builder, getLoc(), getInput(), grad);
  });
}

LogicalResult SigmoidOp::buildVJP(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  // d sigmoid(x) = sigmoid(x) (1 - sigmoid(x)): grad * (1 - y) * y, in
  // sigmoid_backward's order.
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    return inOpmath(builder, loc, grad, getResult(), [&](Value g, Value y) {
      Value one = createScalarLike(builder, loc, g, 1.0);
      Value complement = SubOp::create(builder, loc, one, y);
      Value scaled = MulOp::create(builder, loc, g, complement);
      return MulOp::create(builder, loc, scaled, y).getResult();
    });
  });
}

LogicalResult GeluOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return GeluGradOp::create(builder, getLoc(), getInput(), grad,
                              getApproximateAttr());
  });
}

LogicalResult PowOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // d x^p = p x^(p-1); torch returns zeros for p = 0, where x^(p-1) could
  // be infinite.
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    Location loc = getLoc();
    double exponent = getExponent().convertToDouble();
    if (exponent == 0.0)
      return createSplat(builder, loc, getType(), 0.0);
    Value power = getInput();
    if (exponent - 1.0 != 1.0)
      power = PowOp::create(builder, loc, getInput(),
                            builder.getF64FloatAttr(exponent - 1.0));
    Value derivative = mulByScalar(builder, loc, power, exponent);
    return MulOp::create(builder, loc, grad, derivative);
  });
}

// Rounding is piecewise constant: PyTorch's gradient is zeros (not none:
// weight decay and optimizer state still see a parameter reached only
// through it).
LogicalResult RoundOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  return unaryVJP(*this, resultGrads, operandGrads, [&](Value) -> Value {
    return createSplat(builder, getLoc(), getType(), 0.0);
  });
}

//===----------------------------------------------------------------------===//
// Binary with broadcasting
//===----------------------------------------------------------------------===//

LogicalResult AddOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  auto identity = [](Value grad) { return grad; };
  return binaryVJP(builder, *this, resultGrads, operandGrads, identity,
                   identity);
}

LogicalResult SubOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  return binaryVJP(
      builder, *this, resultGrads, operandGrads,
      [](Value grad) { return grad; },
      [&](Value grad) -> Value {
        return NegOp::create(builder, getLoc(), grad);
      });
}

LogicalResult MulOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  return binaryVJP(
      builder, *this, resultGrads, operandGrads,
      [&](Value grad) -> Value {
        return MulOp::create(builder, getLoc(), grad, getRhs());
      },
      [&](Value grad) -> Value {
        return MulOp::create(builder, getLoc(), grad, getLhs());
      });
}

LogicalResult DivOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // d(a / b)/db = -(a / b) / b, from the forward quotient as torch does.
  return binaryVJP(
      builder, *this, resultGrads, operandGrads,
      [&](Value grad) -> Value {
        return DivOp::create(builder, getLoc(), grad, getRhs());
      },
      [&](Value grad) -> Value {
        Value quotient =
            DivOp::create(builder, getLoc(), getResult(), getRhs());
        Value product = MulOp::create(builder, getLoc(), grad, quotient);
        return NegOp::create(builder, getLoc(), product);
      });
}

LogicalResult MaximumOp::buildVJP(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  // The larger operand takes the gradient; ties split it in halves, as
  // torch.maximum's backward does.
  Location loc = getLoc();
  auto share = [&](CompareDirection wins) {
    return [&, wins](Value grad) -> Value {
      Value zero = createScalarLike(builder, loc, grad, 0.0);
      Value half = mulByScalar(builder, loc, grad, 0.5);
      Value tie = CompareOp::create(builder, loc, CompareDirection::EQ,
                                    getLhs(), getRhs());
      Value larger = CompareOp::create(builder, loc, wins, getLhs(), getRhs());
      Value tied = SelectOp::create(builder, loc, tie, half, zero);
      return SelectOp::create(builder, loc, larger, grad, tied);
    };
  };
  return binaryVJP(builder, *this, resultGrads, operandGrads,
                   share(CompareDirection::GT), share(CompareDirection::LT));
}

LogicalResult Atan2Op::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's atan2_backward: with r = 1 / (lhs^2 + rhs^2), 0 where that
  // sum is 0 (both 0, or squares that underflow; a tiny nonzero sum gives
  // inf, as PyTorch's), grad * rhs * r and grad * -lhs * r.
  Location loc = getLoc();
  auto reciprocal = [&]() -> Value {
    Value lhsSquare = MulOp::create(builder, loc, getLhs(), getLhs());
    Value rhsSquare = MulOp::create(builder, loc, getRhs(), getRhs());
    Value sum = AddOp::create(builder, loc, lhsSquare, rhsSquare);
    Value zero = createScalarLike(builder, loc, sum, 0.0);
    Value inverse = DivOp::create(
        builder, loc, createScalarLike(builder, loc, sum, 1.0), sum);
    Value empty =
        CompareOp::create(builder, loc, CompareDirection::EQ, sum, zero);
    return SelectOp::create(builder, loc, empty, zero, inverse);
  };
  return binaryVJP(
      builder, *this, resultGrads, operandGrads,
      [&](Value grad) -> Value {
        Value scaled = MulOp::create(builder, loc, grad, getRhs());
        return MulOp::create(builder, loc, scaled, reciprocal());
      },
      [&](Value grad) -> Value {
        Value scaled = MulOp::create(builder, loc, grad,
                                     NegOp::create(builder, loc, getLhs()));
        return MulOp::create(builder, loc, scaled, reciprocal());
      });
}

LogicalResult PowerOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's pow_backward_self: 0 where the exponent is 0, else
  // grad * (rhs * lhs^(rhs - 1)); pow_backward_exponent: grad * (0 where
  // lhs == 0 and rhs >= 0, else result * log(lhs)).
  Location loc = getLoc();
  Value lhs = getLhs(), rhs = getRhs();
  auto isZero = [&](Value value) -> Value {
    return CompareOp::create(builder, loc, CompareDirection::EQ, value,
                             createScalarLike(builder, loc, value, 0.0));
  };
  return binaryVJP(
      builder, *this, resultGrads, operandGrads,
      [&](Value grad) -> Value {
        Value lowered = SubOp::create(builder, loc, rhs,
                                      createScalarLike(builder, loc, rhs, 1.0));
        Value derivative = MulOp::create(
            builder, loc, rhs, PowerOp::create(builder, loc, lhs, lowered));
        Value product = MulOp::create(builder, loc, grad, derivative);
        return SelectOp::create(builder, loc, isZero(rhs),
                                createScalarLike(builder, loc, product, 0.0),
                                product);
      },
      [&](Value grad) -> Value {
        Value nonNegative =
            CompareOp::create(builder, loc, CompareDirection::GE, rhs,
                              createScalarLike(builder, loc, rhs, 0.0));
        Value derivative = MulOp::create(builder, loc, getResult(),
                                         LogOp::create(builder, loc, lhs));
        Value zero = createScalarLike(builder, loc, derivative, 0.0);
        Value atZero =
            SelectOp::create(builder, loc, nonNegative, zero, derivative);
        Value chosen =
            SelectOp::create(builder, loc, isZero(lhs), atZero, derivative);
        return MulOp::create(builder, loc, grad, chosen);
      });
}

LogicalResult LogAddExpOp::buildVJP(OpBuilder &builder,
                                    ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  // PyTorch's: grad / (1 + exp(rhs - lhs)) and grad / (1 + exp(lhs - rhs)).
  Location loc = getLoc();
  auto share = [&](Value from, Value to) {
    return [&, from, to](Value grad) -> Value {
      Value exp =
          ExpOp::create(builder, loc, SubOp::create(builder, loc, to, from));
      Value denominator = AddOp::create(
          builder, loc, createScalarLike(builder, loc, exp, 1.0), exp);
      return DivOp::create(builder, loc, grad, denominator);
    };
  };
  return binaryVJP(builder, *this, resultGrads, operandGrads,
                   share(getLhs(), getRhs()), share(getRhs(), getLhs()));
}

//===----------------------------------------------------------------------===//
// Comparison and choice
//===----------------------------------------------------------------------===//

LogicalResult CompareOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                                  SmallVectorImpl<Value> &operandGrads) {
  operandGrads.append(getOperation()->getNumOperands(), Value());
  return success();
}

LogicalResult SelectOp::buildVJP(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  operandGrads.push_back(Value());
  if (!grad || !isDifferentiable(getType())) {
    operandGrads.append(2, Value());
    return success();
  }
  Location loc = getLoc();
  Value zero = createScalarLike(builder, loc, grad, 0.0);
  Value onTrue = SelectOp::create(builder, loc, getCondition(), grad, zero);
  Value onFalse = SelectOp::create(builder, loc, getCondition(), zero, grad);
  operandGrads.push_back(
      sumToShape(builder, loc, onTrue, getOnTrue().getType()));
  operandGrads.push_back(
      sumToShape(builder, loc, onFalse, getOnFalse().getType()));
  return success();
}
