//===- MathConversions.cpp - aten math built from ds ops
//--------------------===//
//
// aten ops that import as a few ds ops in PyTorch's own formulation, so
// that values and gradients match its kernels at the edges (0, NaN,
// infinities): abs, square, log_sigmoid, logsumexp, var and std (and
// var_mean, std_mean), softplus, vector norms, argmax and argmin (and max/min
// over a dimension, which return positions); and cumsum (`ds.cumsum`).
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "mlir/Dialect/Traits.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace dsc::ts;

// `min(x, 0)` and `|x|` as choices, for log_sigmoid: at 0 the first gives
// no gradient and the second the gradient of x (log_sigmoid's slope there
// comes out 1/2, as PyTorch's).
Value dsc::ts::negativePart(ImporterState &s, Value x) {
  Value zero = scalar(s, 0.0, typeOf(x).getElementType());
  Value negative = ds::CompareOp::create(s.builder, s.loc,
                                         ds::CompareDirection::LT, x, zero);
  return ds::SelectOp::create(s.builder, s.loc, negative, x, zero);
}

Value dsc::ts::magnitude(ImporterState &s, Value x) {
  Value zero = scalar(s, 0.0, typeOf(x).getElementType());
  Value negative = ds::CompareOp::create(s.builder, s.loc,
                                         ds::CompareDirection::LT, x, zero);
  return ds::SelectOp::create(s.builder, s.loc, negative,
                              ds::NegOp::create(s.builder, s.loc, x), x);
}

Value dsc::ts::logSigmoid(ImporterState &s, Value x) {
  // PyTorch's CPU kernel: min(x, 0) - log(1 + exp(-|x|)); nothing
  // overflows, and no unchosen branch has an infinite derivative.
  Type element = typeOf(x).getElementType();
  Value exp = ds::ExpOp::create(
      s.builder, s.loc, ds::NegOp::create(s.builder, s.loc, magnitude(s, x)));
  Value log = ds::LogOp::create(
      s.builder, s.loc,
      ds::AddOp::create(s.builder, s.loc, exp, scalar(s, 1.0, element)));
  return ds::SubOp::create(s.builder, s.loc, negativePart(s, x), log);
}

Value dsc::ts::xlogy(ImporterState &s, Value x, Value y) {
  Type element = typeOf(x).getElementType();
  Value zero = scalar(s, 0.0, element);
  Value none = ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::EQ,
                                     x, zero);
  Value safe =
      ds::SelectOp::create(s.builder, s.loc, none, scalar(s, 1.0, element), y);
  Value product = ds::MulOp::create(s.builder, s.loc, x,
                                    ds::LogOp::create(s.builder, s.loc, safe));
  return ds::SelectOp::create(s.builder, s.loc, none, zero, product);
}

namespace {

/// `xlogy(self, other)` (`special_xlogy`), floats.
void xlogyConversion(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  Value y = s.tensorInputAs(1, s.outputScalarType());
  if (!isa<FloatType>(typeOf(x).getElementType()))
    s.fail("aten::xlogy of integers is not supported");
  s.bindOutput(0, reshape(s, xlogy(s, x, y), s.outputType()));
}

void logSigmoidConversion(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  if (!isa<FloatType>(typeOf(x).getElementType()))
    s.fail("aten::log_sigmoid of an integer tensor is not supported");
  s.bindOutput(0, logSigmoid(s, x));
}

} // namespace

Value dsc::ts::absolute(ImporterState &s, Value x) {
  Value zero = scalar(s, 0.0, typeOf(x).getElementType());
  Value positive = ds::CompareOp::create(s.builder, s.loc,
                                         ds::CompareDirection::GT, x, zero);
  Value negative = ds::CompareOp::create(s.builder, s.loc,
                                         ds::CompareDirection::LT, x, zero);
  Value rest = ds::SelectOp::create(
      s.builder, s.loc, negative, ds::NegOp::create(s.builder, s.loc, x),
      ds::MulOp::create(s.builder, s.loc, x, zero));
  return ds::SelectOp::create(s.builder, s.loc, positive, x, rest);
}

Value dsc::ts::twoNorm(ImporterState &s, Value x, DenseI64ArrayAttr dims,
                       bool keepdim) {
  Type element = typeOf(x).getElementType();
  Value squares = ds::SumOp::create(s.builder, s.loc,
                                    ds::MulOp::create(s.builder, s.loc, x, x),
                                    dims, keepdim);
  Value zero = scalar(s, 0.0, element);
  Value empty = ds::CompareOp::create(s.builder, s.loc,
                                      ds::CompareDirection::EQ, squares, zero);
  Value safe = ds::SelectOp::create(s.builder, s.loc, empty,
                                    scalar(s, 1.0, element), squares);
  return ds::SelectOp::create(s.builder, s.loc, empty, zero,
                              ds::SqrtOp::create(s.builder, s.loc, safe));
}

namespace {

void abs(ImporterState &s) {
  s.bindOutput(0, absolute(s, s.tensorInputAs(0, s.outputScalarType())));
}

/// `sign(x)`: 1 above 0, -1 below, x - x elsewhere (+0 at either zero and
/// NaN at NaN, as PyTorch); its gradient is 0 everywhere, as PyTorch's.
void sign(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  Type element = typeOf(x).getElementType();
  Value zero = scalar(s, 0.0, element);
  Value positive = ds::CompareOp::create(s.builder, s.loc,
                                         ds::CompareDirection::GT, x, zero);
  Value negative = ds::CompareOp::create(s.builder, s.loc,
                                         ds::CompareDirection::LT, x, zero);
  Value rest =
      ds::SelectOp::create(s.builder, s.loc, negative, scalar(s, -1.0, element),
                           ds::SubOp::create(s.builder, s.loc, x, x));
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, positive,
                                       scalar(s, 1.0, element), rest));
}

/// `nan_to_num(x, nan=0, posinf=None, neginf=None)`: NaN, +inf and -inf
/// replaced (the infinities by the type's largest and lowest finite values
/// unless given) by choices, so that, as in PyTorch, only the finite
/// elements pass a gradient. Integers pass unchanged.
void nanToNum(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  auto element = dyn_cast<FloatType>(typeOf(x).getElementType());
  if (!element)
    return s.bindOutput(0, x);
  const llvm::fltSemantics &semantics = element.getFloatSemantics();
  auto option = [&](size_t i, double otherwise) {
    return isNone(s, i) ? otherwise : s.doubleInput(i);
  };
  double largest = llvm::APFloat::getLargest(semantics).convertToDouble();
  double inf = std::numeric_limits<double>::infinity();
  // Each choice reads `x`'s own test: NaN is the one value unequal to
  // itself.
  auto where = [&](ds::CompareDirection direction, Value other) {
    return ds::CompareOp::create(s.builder, s.loc, direction, x, other);
  };
  auto replace = [&](Value v, Value at, double by) {
    return ds::SelectOp::create(s.builder, s.loc, at, scalar(s, by, element), v)
        .getResult();
  };
  Value result =
      replace(x, where(ds::CompareDirection::EQ, scalar(s, inf, element)),
              option(2, largest));
  result =
      replace(result, where(ds::CompareDirection::EQ, scalar(s, -inf, element)),
              option(3, -largest));
  result = replace(result, where(ds::CompareDirection::NE, x), option(1, 0.0));
  s.bindOutput(0, result);
}

/// `square`: x * x (PyTorch's gradient 2 x).
void square(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  s.bindOutput(0, ds::MulOp::create(s.builder, s.loc, x, x));
}

/// `logsumexp(self, dims, keepdim)` as PyTorch computes it
/// (ReduceOps.cpp): the maximum over `dims` (0 where it is infinite)
/// subtracted before exp and added after log; the maximum takes no
/// gradient, which leaves exp(x - result), PyTorch's.
void logSumExp(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  if (!isa<FloatType>(typeOf(x).getElementType()))
    s.fail("aten::logsumexp of an integer tensor is not supported");
  int64_t rank = typeOf(x).getRank();
  bool keepdim = s.boolInput(2);
  if (rank == 0)
    return s.bindOutput(0, x);
  DenseI64ArrayAttr dims =
      s.builder.getDenseI64ArrayAttr(reductionDims(s, s.intListInput(1), rank));
  Value max = ds::StopGradientOp::create(
      s.builder, s.loc,
      ds::MaxOp::create(s.builder, s.loc, x, dims, /*keepdim=*/true));
  Type element = typeOf(x).getElementType();
  Value infinite = ds::CompareOp::create(
      s.builder, s.loc, ds::CompareDirection::EQ, magnitude(s, max),
      scalar(s, std::numeric_limits<double>::infinity(), element));
  max = ds::SelectOp::create(s.builder, s.loc, infinite,
                             scalar(s, 0.0, element), max);
  Value shifted = ds::ExpOp::create(
      s.builder, s.loc, ds::SubOp::create(s.builder, s.loc, x, max));
  Value sum = ds::SumOp::create(s.builder, s.loc, shifted, dims, keepdim);
  Value log = ds::LogOp::create(s.builder, s.loc, sum);
  s.bindOutput(0, ds::AddOp::create(s.builder, s.loc, log,
                                    reshape(s, max, typeOf(log).getShape())));
}

/// `cumsum(self, dim, dtype)`: in the output's dtype (PyTorch sums integer
/// and boolean inputs as int64), as `ds.cumsum`. Hugging Face's position
/// ids from an attention mask (OPT, BLOOM's ALiBi, RoBERTa) run it on
/// integers; its gradient is the reverse running sum.
void cumsum(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  auto type = typeOf(x);
  if (type.getRank() == 0)
    return s.bindOutput(0, x);
  int64_t dim = s.normalizeDim(s.intInput(1), type.getRank());
  s.bindOutput(0, ds::CumsumOp::create(s.builder, s.loc, x, dim));
}

/// The variance's inputs: `(self, dim, unbiased | correction, keepdim)`,
/// `(self, unbiased)` or `(self)`: the dimensions (all when none), the
/// correction (unbiased: 1) and keepdim.
struct VarianceArgs {
  std::vector<int64_t> dims;
  double correction = 1.0;
  bool keepdim = false;
};

VarianceArgs varianceArgs(ImporterState &s, int64_t rank) {
  VarianceArgs args;
  size_t inputs = s.node->inputs().size();
  auto readCorrection = [&](size_t i) {
    const c10::IValue &value = s.constantInput(i);
    if (value.isBool())
      args.correction = value.toBool() ? 1.0 : 0.0;
    else if (!value.isNone())
      args.correction = value.toScalar().toDouble();
  };
  if (inputs == 2) {
    readCorrection(1);
  } else if (inputs >= 4) {
    if (!isNone(s, 1))
      args.dims = s.intListInput(1);
    readCorrection(2);
    args.keepdim = s.boolInput(3);
  }
  args.dims = reductionDims(s, args.dims, rank);
  return args;
}

/// `var`/`std` (and `var_mean`/`std_mean`, whose second result is the
/// mean) over `dims`: the sum of the squared deviations from the mean
/// over (N - correction) elements, as PyTorch defines it (a non-positive
/// divisor gives inf or NaN there too); std its square root.
template <bool Sqrt, bool WithMean> void variance(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  auto type = typeOf(x);
  if (!isa<FloatType>(type.getElementType()))
    s.fail("variance of an integer tensor is not supported");
  VarianceArgs args = varianceArgs(s, type.getRank());
  double count = 1;
  for (int64_t d : args.dims)
    count *= static_cast<double>(type.getDimSize(d));
  Value mean = ds::MeanOp::create(s.builder, s.loc, x, args.dims,
                                  /*keepdim=*/true);
  Value deviation = ds::SubOp::create(s.builder, s.loc, x, mean);
  Value squares = ds::SumOp::create(
      s.builder, s.loc,
      ds::MulOp::create(s.builder, s.loc, deviation, deviation), args.dims,
      args.keepdim);
  Value result = ds::DivOp::create(
      s.builder, s.loc, squares,
      scalar(s, std::max(count - args.correction, 0.0), type.getElementType()));
  if (Sqrt)
    result = ds::SqrtOp::create(s.builder, s.loc, result);
  s.bindOutput(0, result);
  if (WithMean)
    s.bindOutput(1, reshape(s, mean, typeOf(result).getShape()));
}

} // namespace

Value dsc::ts::reverseOrder(ImporterState &s, Value x) {
  Type element = typeOf(x).getElementType();
  if (isa<FloatType>(element))
    return ds::NegOp::create(s.builder, s.loc, x);
  if (element.isInteger(1))
    s.fail("'" + std::string(s.node->kind().toQualString()) +
           "' of a boolean tensor is not supported");
  return ds::SubOp::create(s.builder, s.loc, scalar(s, -1.0, element), x);
}

/// PyTorch's argmax and argmin return the first extreme position, NaN
/// counting as the extreme: the first largest of x, or of x in reverse
/// order.
Value dsc::ts::argExtremum(ImporterState &s, Value x, int64_t dim, bool isMax) {
  return firstLargest(s, isMax ? x : reverseOrder(s, x), dim, Value(),
                      /*nanLargest=*/true);
}

namespace {

/// `a` and `b` as a choice; a null mask marks every position.
Value bothMarked(ImporterState &s, Value a, Value b) {
  if (!a || !b)
    return a ? a : b;
  return ds::SelectOp::create(s.builder, s.loc, a, b, boolScalar(s, false));
}

/// The first position along `dim` that `marked` marks (int64, the dimension
/// kept with size 1), its size where none is: the largest of (n - 1 -
/// position) over the marks.
Value firstMarked(ImporterState &s, Value marked, int64_t dim) {
  auto type = typeOf(marked);
  Type i64 = s.builder.getI64Type();
  int64_t n = type.getDimSize(dim);
  SmallVector<int64_t> iotaShape(type.getRank(), 1);
  iotaShape[dim] = n;
  Value positions = ds::IotaOp::create(s.builder, s.loc,
                                       RankedTensorType::get(iotaShape, i64),
                                       static_cast<uint64_t>(dim));
  Value last = scalar(s, static_cast<double>(n - 1), i64);
  Value fromEnd = ds::SubOp::create(s.builder, s.loc, last, positions);
  Value candidates = ds::SelectOp::create(s.builder, s.loc, marked, fromEnd,
                                          scalar(s, -1.0, i64));
  Value first = ds::MaxOp::create(s.builder, s.loc, candidates,
                                  s.builder.getDenseI64ArrayAttr({dim}),
                                  /*keepdim=*/true);
  return ds::SubOp::create(s.builder, s.loc, last, first);
}

} // namespace

/// The largest eligible number, where it is hit, and the first hit; every
/// step is exact and nothing is differentiable. Positions that are not
/// candidates read the lowest value and never count as hits.
Value dsc::ts::firstLargest(ImporterState &s, Value values, int64_t dim,
                            Value candidates, bool nanLargest) {
  auto type = typeOf(values);
  Type element = type.getElementType();
  if (element.isInteger(1))
    s.fail("'" + std::string(s.node->kind().toQualString()) +
           "' of a boolean tensor is not supported");
  bool isFloat = isa<FloatType>(element);
  Value nan;
  auto isNan = [&] {
    if (!nan)
      nan = ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::NE,
                                  values, values);
    return nan;
  };
  // The numbers that may be chosen now; NaN, when it counts as the
  // smallest, only once none is left.
  Value numbers = candidates;
  if (isFloat && !nanLargest)
    numbers = bothMarked(s, notMask(s, isNan()), candidates);
  Value eligible = values;
  if (numbers) {
    double lowest =
        isFloat
            ? -INFINITY
            : -std::ldexp(
                  1.0, static_cast<int>(element.getIntOrFloatBitWidth()) - 1);
    eligible = ds::SelectOp::create(s.builder, s.loc, numbers, values,
                                    scalar(s, lowest, element));
  }
  Value extreme = ds::MaxOp::create(s.builder, s.loc, eligible,
                                    s.builder.getDenseI64ArrayAttr({dim}),
                                    /*keepdim=*/true);
  Value hit = bothMarked(s,
                         ds::CompareOp::create(s.builder, s.loc,
                                               ds::CompareDirection::EQ, values,
                                               extreme),
                         numbers);
  if (isFloat && nanLargest) {
    Value nanCandidates = bothMarked(s, isNan(), candidates);
    hit = ds::SelectOp::create(s.builder, s.loc, nanCandidates, nanCandidates,
                               hit);
  }
  Value first = firstMarked(s, hit, dim);
  if (isFloat && !nanLargest) {
    Value none = ds::CompareOp::create(
        s.builder, s.loc, ds::CompareDirection::EQ, first,
        scalar(s, static_cast<double>(type.getDimSize(dim)),
               s.builder.getI64Type()));
    first = ds::SelectOp::create(
        s.builder, s.loc, none,
        firstMarked(s, bothMarked(s, isNan(), candidates), dim), first);
  }
  return first;
}

/// Booleans as the integers 0 and 1 (int8), which order as PyTorch orders
/// false and true; other tensors as they are.
static Value orderable(ImporterState &s, Value x) {
  if (!typeOf(x).getElementType().isInteger(1))
    return x;
  return s.convertTo(x, s.builder.getI8Type());
}

void dsc::ts::bindExtremumAlong(ImporterState &s, bool isMax) {
  Value self = s.tensorInputAs(0, s.outputScalarType());
  auto type = typeOf(self);
  if (type.getRank() == 0) {
    s.bindOutput(0, self);
    return s.bindOutput(1, s.materialize(at::zeros({}, at::kLong)));
  }
  Value x = orderable(s, self);
  int64_t dim = s.normalizeDim(s.intInput(1), type.getRank());
  Value index = argExtremum(s, x, dim, isMax);
  // The element at the position, so that the gradient goes to it alone, as
  // PyTorch's does (amax shares it between ties).
  Value value = takeAlong(s, x, dim, index);
  value = s.convertTo(value, s.elementType(s.outputScalarType()));
  s.bindOutput(0, reshape(s, value, s.outputType(0)));
  s.bindOutput(1, reshape(s, index, s.outputType(1)));
}

namespace {

/// `argmax`/`argmin(self, dim=None, keepdim=False)`; without a dimension,
/// over all elements flattened. HF's sequence classification pools the
/// logits at `(arange(T) * (input_ids != pad)).argmax(-1)`.
template <bool isMax> void argExtremumConversion(ImporterState &s) {
  Value x = s.tensorInput(0);
  auto type = typeOf(x);
  RankedTensorType out = s.outputType();
  if (type.getNumElements() == 1)
    return s.bindOutput(0, s.materialize(at::zeros(out.getShape(), at::kLong)));
  int64_t dim = 0;
  if (isNone(s, 1))
    x = reshape(s, x, {type.getNumElements()});
  else
    dim = s.normalizeDim(s.intInput(1), type.getRank());
  s.bindOutput(0, reshape(s, argExtremum(s, x, dim, isMax), out));
}

/// `softplus(self, beta, threshold)` as PyTorch's kernel: x where
/// x * beta > threshold, else log1p(exp(x * beta)) / beta; its gradient
/// g * z / (z + 1) with z = exp(x * beta). The exponential reads 0 where x
/// is chosen, so that it cannot overflow into an inf (and a NaN gradient)
/// on the branch not taken.
void softplus(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  Type element = typeOf(x).getElementType();
  if (!isa<FloatType>(element))
    s.fail("aten::softplus of an integer tensor is not supported");
  size_t n = s.node->inputs().size();
  double beta = n > 1 ? s.doubleInput(1) : 1.0;
  double threshold = n > 2 ? s.doubleInput(2) : 20.0;
  Value scaledX = beta == 1.0 ? x
                              : ds::MulOp::create(s.builder, s.loc, x,
                                                  scalar(s, beta, element));
  Value above =
      ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::GT, scaledX,
                            scalar(s, threshold, element));
  Value safe = ds::SelectOp::create(s.builder, s.loc, above,
                                    scalar(s, 0.0, element), scaledX);
  Value soft = ds::Log1pOp::create(s.builder, s.loc,
                                   ds::ExpOp::create(s.builder, s.loc, safe));
  if (beta != 1.0)
    soft = ds::DivOp::create(s.builder, s.loc, soft, scalar(s, beta, element));
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, above, x, soft));
}

/// `glu(self, dim)` (nn.GLU, F.glu): the first half along `dim` times the
/// sigmoid of the second, as PyTorch's kernel.
void glu(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  auto type = typeOf(x);
  if (!isa<FloatType>(type.getElementType()))
    s.fail("aten::glu of an integer tensor is not supported");
  int64_t dim = s.normalizeDim(s.intInput(1), type.getRank());
  int64_t size = type.getDimSize(dim);
  if (size % 2 != 0)
    s.fail("aten::glu: dimension " + std::to_string(dim) + " has odd size " +
           std::to_string(size));
  Value gate = ds::SigmoidOp::create(s.builder, s.loc,
                                     sliceDim(s, x, dim, size / 2, size, 1));
  s.bindOutput(0, ds::MulOp::create(s.builder, s.loc,
                                    sliceDim(s, x, dim, 0, size / 2, 1), gate));
}

/// Integer division as PyTorch rounds it, from ds.div's truncation: the
/// quotient q, the remainder r = a - q b (|q b| <= |a|: no overflow), and
/// where r is not 0 and its sign differs from b's, floor division takes
/// q - 1 and the remainder r + b. Floating-point operands are refused:
/// their exact fmod and floor are not composed from ds ops.
enum class Rounding { Trunc, Floor, Remainder, Fmod };

void integerDivision(ImporterState &s, Rounding rounding) {
  c10::ScalarType type = s.outputScalarType();
  if (!c10::isIntegralType(type, /*includeBool=*/false))
    s.fail("'" + s.opName() +
           "' of floating-point tensors is not supported (only of integers)");
  Value a = s.tensorInputAs(0, type), b = s.tensorInputAs(1, type);
  Value q = ds::DivOp::create(s.builder, s.loc, a, b);
  if (rounding == Rounding::Trunc)
    return s.bindOutput(0, q);
  Value r = ds::SubOp::create(s.builder, s.loc, a,
                              ds::MulOp::create(s.builder, s.loc, q, b));
  if (rounding == Rounding::Fmod)
    return s.bindOutput(0, r);
  Type element = typeOf(q).getElementType();
  Value zero = scalar(s, 0.0, element);
  auto compare = [&](ds::CompareDirection direction, Value x, Value y) {
    return ds::CompareOp::create(s.builder, s.loc, direction, x, y);
  };
  Value bNegative = compare(ds::CompareDirection::LT, b, zero);
  Value signsDiffer = ds::SelectOp::create(
      s.builder, s.loc, compare(ds::CompareDirection::LT, r, zero),
      notMask(s, bNegative), bNegative);
  Value adjust = ds::SelectOp::create(
      s.builder, s.loc, compare(ds::CompareDirection::NE, r, zero), signsDiffer,
      boolScalar(s, false));
  if (rounding == Rounding::Floor)
    return s.bindOutput(
        0, ds::SelectOp::create(
               s.builder, s.loc, adjust,
               ds::SubOp::create(s.builder, s.loc, q, scalar(s, 1.0, element)),
               q));
  s.bindOutput(
      0, ds::SelectOp::create(s.builder, s.loc, adjust,
                              ds::AddOp::create(s.builder, s.loc, r, b), r));
}

void floorDivide(ImporterState &s) { integerDivision(s, Rounding::Floor); }
void remainder(ImporterState &s) { integerDivision(s, Rounding::Remainder); }
void fmod(ImporterState &s) { integerDivision(s, Rounding::Fmod); }

/// `linalg_vector_norm(self, ord, dim, keepdim, dtype)` and `norm(self, p,
/// dim, keepdim)` (`torch.norm`, `F.normalize`) for ord 2 (twoNorm), 1 and inf.
/// ord 1 sums |x| (gradient sign(x), 0 at 0); ord inf is amax(|x|) (ties share
/// the gradient, as PyTorch's).
void vectorNorm(ImporterState &s) {
  Value x = s.tensorInputAs(0, s.outputScalarType());
  auto type = typeOf(x);
  Type element = type.getElementType();
  if (!isa<FloatType>(element))
    s.fail(s.opName() + " of an integer tensor is not supported");
  // torch.norm's `aten::norm` (p None: 2) computes and differentiates as
  // linalg_vector_norm; its `dtype` overloads have no dims in place 2.
  llvm::StringRef overload = s.node->schema().overload_name();
  if (overload.ends_with("dtype"))
    s.fail(s.opName() + " with a dtype is not supported");
  double ord = isNone(s, 1) ? 2.0 : s.constantInput(1).toScalar().toDouble();
  std::vector<int64_t> dims;
  if (s.node->inputs().size() > 2 && !isNone(s, 2))
    dims = s.intListInput(2);
  bool keepdim = s.node->inputs().size() > 3 && s.boolInput(3);
  auto dimsAttr =
      s.builder.getDenseI64ArrayAttr(reductionDims(s, dims, type.getRank()));
  Value norm;
  if (type.getRank() == 0) {
    norm = absolute(s, x);
  } else if (ord == 1.0) {
    norm =
        ds::SumOp::create(s.builder, s.loc, absolute(s, x), dimsAttr, keepdim);
  } else if (std::isinf(ord) && ord > 0) {
    norm =
        ds::MaxOp::create(s.builder, s.loc, absolute(s, x), dimsAttr, keepdim);
  } else if (ord == 2.0) {
    norm = twoNorm(s, x, dimsAttr, keepdim);
  } else {
    s.fail(s.opName() + " of order " + llvm::formatv("{0}", ord).str() +
           " is not supported (2, 1 and inf are)");
  }
  s.bindOutput(0, reshape(s, norm, s.outputType()));
}

/// `cosine_similarity(x1, x2, dim, eps)` as PyTorch computes it
/// (Distance.cpp): both broadcast to one shape, each divided by its 2-norm
/// over `dim` clamped at eps, the products summed over `dim`. PyTorch
/// clamps the norm in place under no_grad, so the gradient flows through
/// the unclamped norm: norm + stop_gradient(max(norm, eps) - norm).
void cosineSimilarity(ImporterState &s) {
  Value x1 = s.tensorInputAs(0, s.outputScalarType());
  Value x2 = s.tensorInputAs(1, s.outputScalarType());
  Type element = typeOf(x1).getElementType();
  if (!isa<FloatType>(element))
    s.fail("aten::cosine_similarity of integer tensors is not supported");
  SmallVector<int64_t> shape;
  if (!OpTrait::util::getBroadcastedShape(typeOf(x1).getShape(),
                                          typeOf(x2).getShape(), shape))
    s.fail("aten::cosine_similarity of shapes that do not broadcast");
  auto common = typeOf(x1).clone(shape);
  int64_t dim = s.normalizeDim(s.intInput(2), common.getRank());
  double eps = s.doubleInput(3);
  auto dims = s.builder.getDenseI64ArrayAttr({dim});
  Value product;
  for (Value x : {x1, x2}) {
    if (typeOf(x) != common)
      x = ds::BroadcastOp::create(s.builder, s.loc, common, x);
    Value norm = twoNorm(s, x, dims, /*keepdim=*/true);
    Value clamped =
        ds::MaximumOp::create(s.builder, s.loc, norm, scalar(s, eps, element));
    Value shift = ds::StopGradientOp::create(
        s.builder, s.loc, ds::SubOp::create(s.builder, s.loc, clamped, norm));
    Value unit = ds::DivOp::create(
        s.builder, s.loc, x, ds::AddOp::create(s.builder, s.loc, norm, shift));
    product =
        product ? ds::MulOp::create(s.builder, s.loc, product, unit) : unit;
  }
  Value sum = ds::SumOp::create(s.builder, s.loc, product, dims,
                                /*keepdim=*/false);
  s.bindOutput(0, reshape(s, sum, s.outputType()));
}

} // namespace

/// `div(self, other, rounding_mode)` with a rounding mode: 'trunc' or
/// 'floor' (plain division is OpConversions.cpp's).
void dsc::ts::divRounded(ImporterState &s) {
  std::string mode = s.constantInput(2).toStringRef();
  if (mode != "trunc" && mode != "floor")
    s.fail("aten::div with rounding_mode '" + mode + "'");
  integerDivision(s, mode == "trunc" ? Rounding::Trunc : Rounding::Floor);
}

void dsc::ts::addMathConversions(llvm::StringMap<Conversion> &table) {
  table["aten::abs"] = abs;
  table["aten::square"] = square;
  table["aten::sign"] = sign;
  table["aten::nan_to_num"] = nanToNum;
  table["aten::logsumexp"] = logSumExp;
  table["aten::log_sigmoid"] = logSigmoidConversion;
  table["aten::cumsum"] = cumsum;
  table["aten::argmax"] = argExtremumConversion<true>;
  table["aten::argmin"] = argExtremumConversion<false>;
  table["aten::linalg_vector_norm"] = vectorNorm;
  table["aten::norm"] = vectorNorm;
  table["aten::softplus"] = softplus;
  table["aten::glu"] = glu;
  table["aten::floor_divide"] = floorDivide;
  table["aten::remainder"] = remainder;
  table["aten::fmod"] = fmod;
  table["aten::cosine_similarity"] = cosineSimilarity;
  table["aten::xlogy"] = xlogyConversion;
  table["aten::special_xlogy"] = xlogyConversion;
  table["aten::var"] = variance<false, false>;
  table["aten::std"] = variance<true, false>;
  table["aten::var_mean"] = variance<false, true>;
  table["aten::std_mean"] = variance<true, true>;
}
