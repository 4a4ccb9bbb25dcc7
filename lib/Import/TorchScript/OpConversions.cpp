//===- OpConversions.cpp - aten ops with non-constant inputs to ds ops ----===//
//
// One conversion per aten op kind, registered by qualified name (shape ops,
// lists and tuples in ShapeConversions.cpp). Nodes whose inputs are all
// constants never get here: the importer evaluates them with LibTorch. Each
// conversion reads TorchScript's recorded output type where the op's semantics
// need it (reshapes, broadcasts), and convertNode checks that every tensor it
// produced has exactly the recorded type.
//
// Over 500 lines because it is a table of short conversions, one per aten
// op (index and shape families are already in their own files).
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace dsc::ts;

namespace {

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

template <typename OpTy> void unary(ImporterState &s) {
  s.bindOutput(0, OpTy::create(s.builder, s.loc,
                               s.tensorInputAs(0, s.outputScalarType())));
}

/// The type arithmetic on `type` computes in: booleans as the integers 0
/// and 1 (int8), whose sum, product, maximum and minimum, converted back
/// (nonzero is true), are PyTorch's `or`, `and`, `or` and `and` of
/// booleans (`mask * causal`, `mask + other`, amax of a mask).
c10::ScalarType arithmeticType(c10::ScalarType type) {
  return type == c10::ScalarType::Bool ? c10::ScalarType::Char : type;
}

/// The type a binary op computes in: arithmeticType of the result's, but
/// float for a product or quotient of a float16 or bfloat16 tensor and a
/// Python number the half type does not hold (`h * 0.044715`, `h / 0.3`):
/// ATen's mul and div kernels take the number as a float, not rounded to
/// the half type, compute in float and round the result once (their
/// CPU-scalar path), as bindInOutputType does here. Its add and sub round
/// the number to the half type first, as a half computation does; so does
/// a number the half type holds.
template <typename OpTy> c10::ScalarType computeType(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  if ((type != c10::ScalarType::Half && type != c10::ScalarType::BFloat16) ||
      !(std::is_same_v<OpTy, ds::MulOp> || std::is_same_v<OpTy, ds::DivOp>))
    return arithmeticType(type);
  for (size_t i : {0, 1}) {
    if (!s.hasConstantInput(i) || s.constantInput(i).isTensor())
      continue;
    double number = s.doubleInput(i);
    if (at::scalar_tensor(number, at::TensorOptions(type)).item<double>() !=
        number)
      return c10::ScalarType::Float;
  }
  return type;
}

template <typename OpTy> void binary(ImporterState &s) {
  c10::ScalarType type = computeType<OpTy>(s);
  Value lhs = s.tensorInputAs(0, type), rhs = s.tensorInputAs(1, type);
  bindInOutputType(s, OpTy::create(s.builder, s.loc, lhs, rhs));
}

/// `value * factor`, or `value` itself when the factor is 1: PyTorch skips
/// the multiplication too, and a multiply by 1 would only cost a kernel.
Value scaled(ImporterState &s, Value value, double factor) {
  if (factor == 1.0)
    return value;
  return ds::MulOp::create(s.builder, s.loc, value,
                           scalar(s, factor, typeOf(value).getElementType()));
}

/// The optional `alpha` at input `i`, 1 when absent.
double alphaInput(ImporterState &s, size_t i) {
  return s.node->inputs().size() > i ? s.doubleInput(i) : 1.0;
}

/// `add`/`sub` with `alpha`: `self op alpha * other`.
template <typename OpTy> void binaryWithAlpha(ImporterState &s) {
  c10::ScalarType type = arithmeticType(s.outputScalarType());
  Value lhs = s.tensorInputAs(0, type), rhs = s.tensorInputAs(1, type);
  bindInOutputType(
      s, OpTy::create(s.builder, s.loc, lhs, scaled(s, rhs, alphaInput(s, 2))));
}

/// `rsub(self, other, alpha)`: `other - alpha * self`.
void rsub(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value self = s.tensorInputAs(0, type), other = s.tensorInputAs(1, type);
  s.bindOutput(0, ds::SubOp::create(s.builder, s.loc, other,
                                    scaled(s, self, alphaInput(s, 2))));
}

void div(ImporterState &s) {
  if (s.node->inputs().size() > 2 && !isNone(s, 2))
    return divRounded(s);
  binary<ds::DivOp>(s);
}

/// Compares in the promoted type of the tensor operands, as PyTorch does
/// (a Python number takes the tensor's type).
template <ds::CompareDirection direction> void compare(ImporterState &s) {
  std::optional<c10::ScalarType> common;
  for (size_t i = 0; i < 2; ++i)
    if (std::optional<c10::ScalarType> type = s.inputScalarType(i))
      common = common ? c10::promoteTypes(*common, *type) : *type;
  if (!common)
    s.fail("comparison without a tensor operand");
  // Booleans compare as the integers 0 and 1 (`mask == 0`): the kernels
  // compare numbers.
  if (*common == c10::ScalarType::Bool)
    common = c10::ScalarType::Char;
  Value lhs = s.tensorInputAs(0, *common), rhs = s.tensorInputAs(1, *common);
  s.bindOutput(0, ds::CompareOp::create(s.builder, s.loc, direction, lhs, rhs));
}

/// The elementwise minimum. Floats take `-maximum(-a, -b)`: negation is
/// exact, NaN propagates and ties split the gradient in halves, all as
/// torch.minimum does. Integers (no gradient) take a choice instead, since
/// their negation overflows at the smallest value.
Value minimum(ImporterState &s, Value a, Value b) {
  if (!isa<FloatType>(typeOf(a).getElementType())) {
    Value bLess =
        ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::LT, b, a);
    return ds::SelectOp::create(s.builder, s.loc, bLess, b, a);
  }
  Value negA = ds::NegOp::create(s.builder, s.loc, a);
  Value negB = ds::NegOp::create(s.builder, s.loc, b);
  Value max = ds::MaximumOp::create(s.builder, s.loc, negA, negB);
  return ds::NegOp::create(s.builder, s.loc, max);
}

void binaryMinimum(ImporterState &s) {
  c10::ScalarType type = arithmeticType(s.outputScalarType());
  bindInOutputType(
      s, minimum(s, s.tensorInputAs(0, type), s.tensorInputAs(1, type)));
}

} // namespace

/// The dimensions a reduction runs over, normalised and sorted: all of
/// them when `dims` is empty (`sum(x)`, `dim=None`).
std::vector<int64_t> dsc::ts::reductionDims(ImporterState &s,
                                            std::vector<int64_t> dims,
                                            int64_t rank) {
  if (dims.empty())
    for (int64_t d = 0; d < rank; ++d)
      dims.push_back(d);
  for (int64_t &d : dims)
    d = s.normalizeDim(d, rank);
  llvm::sort(dims);
  return dims;
}

namespace {

// Boolean logic on computed masks (core ATen's SDPA guards fully masked
// rows with `logical_not(any(scores == -inf))`), as choices between
// constants: exact, and no gradient flows through a boolean.

/// `logical_not`, and `bitwise_not` (`~mask`) of booleans.
void logicalNot(ImporterState &s) {
  if (s.outputScalarType() != c10::ScalarType::Bool)
    s.fail("bitwise not of integers is not supported (booleans only)");
  s.bindOutput(0, notMask(s, s.tensorInputAs(0, c10::ScalarType::Bool)));
}

enum class Logic { And, Or, Xor };

/// `logical_and`/`or`/`xor`, and `bitwise_and`/`or`/`xor` (`&`, `|`, `^`)
/// of booleans: a choice by the first operand.
template <Logic op> void logical(ImporterState &s) {
  if (s.outputScalarType() != c10::ScalarType::Bool)
    s.fail("bitwise logic on integers is not supported (booleans only)");
  Value a = s.tensorInputAs(0, c10::ScalarType::Bool);
  Value b = s.tensorInputAs(1, c10::ScalarType::Bool);
  Value ifTrue = op == Logic::And  ? b
                 : op == Logic::Or ? boolScalar(s, true)
                                   : notMask(s, b);
  Value ifFalse = op == Logic::And ? boolScalar(s, false) : b;
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, a, ifTrue, ifFalse));
}

/// `any`/`all(self, dim, keepdim)` and `any`/`all(self)`: whether the
/// count of nonzero elements is positive, or all of them.
template <bool all> void anyOrAll(ImporterState &s) {
  Value nonzero = s.tensorInputAs(0, c10::ScalarType::Bool);
  Value x = s.convertTo(nonzero, s.builder.getI64Type());
  auto type = typeOf(x);
  int64_t rank = type.getRank();
  std::vector<int64_t> dims;
  bool keepdim = false;
  if (s.node->inputs().size() >= 3) {
    const c10::IValue &dim = s.constantInput(1);
    if (dim.isIntList())
      dims = dim.toIntVector();
    else if (!dim.isNone())
      dims = {dim.toInt()};
    keepdim = s.boolInput(2);
  }
  dims = reductionDims(s, std::move(dims), rank);
  int64_t reduced = 1;
  if (rank > 0)
    for (int64_t d : dims)
      reduced *= type.getDimSize(d);
  Value count =
      rank == 0
          ? x
          : ds::SumOp::create(s.builder, s.loc, x,
                              s.builder.getDenseI64ArrayAttr(dims), keepdim)
                .getResult();
  Value bound = s.materialize(
      at::scalar_tensor(all ? reduced : 0, at::TensorOptions(at::kLong)));
  s.bindOutput(0, ds::CompareOp::create(s.builder, s.loc,
                                        all ? ds::CompareDirection::EQ
                                            : ds::CompareDirection::GT,
                                        count, bound));
}

void maskedFill(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value self = s.tensorInputAs(0, type);
  Value mask = s.tensorInputAs(1, c10::ScalarType::Bool);
  Value fill = s.tensorInputAs(2, type);
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, mask, fill, self));
}

/// `x` where it is at least `bound`, else `bound` (`direction` LT), or at
/// most (GT). A choice rather than a maximum: PyTorch's clamp gives the whole
/// gradient to `x` at a tie and keeps NaN.
Value clampAt(ImporterState &s, Value x, Value bound,
              ds::CompareDirection direction) {
  Value beyond = ds::CompareOp::create(s.builder, s.loc, direction, x, bound);
  return ds::SelectOp::create(s.builder, s.loc, beyond, bound, x);
}

/// `clamp(self, min, max)` (scalars or tensors, either None),
/// `clamp_min(self, min)` and `clamp_max(self, max)`: `min(max(self, min),
/// max)`. The gradient goes to `self` where `min <= self <= max` and to a
/// bound where it is taken. With two bounds PyTorch gives a computed `min`
/// no gradient where it equals `max`, which the choices do not reproduce, so
/// two bounds must be constants.
void clamp(ImporterState &s) {
  llvm::StringRef kind = s.node->kind().toUnqualString();
  kind.consume_back("_");
  std::optional<size_t> min, max;
  if (kind != "clamp_max" && !isNone(s, 1))
    min = 1;
  if (kind == "clamp_max")
    max = 1;
  else if (kind != "clamp_min" && !isNone(s, 2))
    max = 2;
  if (min && max && !(s.hasConstantInput(*min) && s.hasConstantInput(*max)))
    s.fail("aten::clamp with two bounds, one of them computed, is not "
           "supported");
  c10::ScalarType type = s.outputScalarType();
  Value result = s.tensorInputAs(0, type);
  if (min)
    result = clampAt(s, result, s.tensorInputAs(*min, type),
                     ds::CompareDirection::LT);
  if (max)
    result = clampAt(s, result, s.tensorInputAs(*max, type),
                     ds::CompareDirection::GT);
  s.bindOutput(0, result);
}

/// `triu`/`tril` of a computed tensor: select it against a constant mask.
template <bool upper> void triangle(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t diagonal = s.node->inputs().size() > 1 ? s.intInput(1) : 0;
  ArrayRef<int64_t> shape = typeOf(self).getShape();
  if (shape.size() < 2)
    s.fail("triu/tril need rank >= 2");
  at::Tensor ones = at::ones({shape[shape.size() - 2], shape.back()},
                             at::TensorOptions(c10::ScalarType::Bool));
  at::Tensor keep = upper ? at::triu(ones, diagonal) : at::tril(ones, diagonal);
  Value zero = scalar(s, 0, typeOf(self).getElementType());
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, s.materialize(keep),
                                       self, zero));
}

void convert(ImporterState &s) {
  s.bindOutput(0, s.tensorInputAs(0, s.outputScalarType()));
}

void identity(ImporterState &s) { s.bindOutput(0, s.tensorInput(0)); }

//===----------------------------------------------------------------------===//
// Products, reductions, normalisations, losses
//===----------------------------------------------------------------------===//

void linear(ImporterState &s) {
  Value bias = isNone(s, 2) ? Value() : s.tensorInput(2);
  s.bindOutput(0, ds::LinearOp::create(s.builder, s.loc, s.tensorInput(0),
                                       s.tensorInput(1), bias));
}

void matmul(ImporterState &s) {
  Value lhs = s.tensorInput(0), rhs = s.tensorInput(1);
  RankedTensorType result = s.outputType();
  // torch.matmul promotes vectors to matrices and drops the added dims.
  if (typeOf(lhs).getRank() == 1)
    lhs = reshape(s, lhs, {1, typeOf(lhs).getDimSize(0)});
  if (typeOf(rhs).getRank() == 1)
    rhs = reshape(s, rhs, {typeOf(rhs).getDimSize(0), 1});
  Value product = ds::MatmulOp::create(s.builder, s.loc, lhs, rhs);
  s.bindOutput(0, reshape(s, product, result));
}

/// `outer(a, b)` (`ger`): a[:, None] * b[None, :], one product each.
void outer(ImporterState &s) {
  Value a = s.tensorInput(0), b = s.tensorInput(1);
  Value column = reshape(s, a, {typeOf(a).getDimSize(0), 1});
  Value row = reshape(s, b, {1, typeOf(b).getDimSize(0)});
  s.bindOutput(0, ds::MulOp::create(s.builder, s.loc, column, row));
}

/// `addmm`/`baddbmm(self, m1, m2, beta, alpha)`: `beta * self + alpha * (m1
/// @ m2)`. With `beta = 0` PyTorch does not read `self` at all (a NaN in it
/// does not propagate), so the import leaves it out too. Half and bfloat16
/// compute in float32 between converts: ATen's kernel accumulates the
/// product and adds `self` in float and rounds once (GPT-2's Conv1D under
/// autocast), where a half matmul and add would round twice.
void addProduct(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  c10::ScalarType math =
      c10::isReducedFloatingType(type) ? c10::ScalarType::Float : type;
  Value product = ds::MatmulOp::create(
      s.builder, s.loc, s.tensorInputAs(1, math), s.tensorInputAs(2, math));
  product = scaled(s, product, s.doubleInput(4));
  double beta = s.doubleInput(3);
  if (beta != 0.0)
    product = ds::AddOp::create(
        s.builder, s.loc, scaled(s, s.tensorInputAs(0, math), beta), product);
  s.bindOutput(0, s.convertTo(product, s.elementType(type)));
}

/// `sum`/`mean` with `(self, dims, keepdim, dtype)` or `(self, dtype)`.
template <typename OpTy> void reduce(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t rank = typeOf(self).getRank();
  std::vector<int64_t> dims;
  bool keepdim = false;
  // (self, dim, keepdim, dtype) or (self, dtype).
  if (s.node->inputs().size() >= 4) {
    if (!isNone(s, 1))
      dims = s.intListInput(1);
    keepdim = s.constantInput(2).toBool();
  }
  dims = reductionDims(s, std::move(dims), rank);
  // A dtype argument, or PyTorch's promotion (a sum of booleans counts in
  // int64): reduce in the result's type.
  self = s.convertTo(self, s.elementType(s.outputScalarType()));
  if (rank == 0) {
    s.bindOutput(0, self);
    return;
  }
  s.bindOutput(0, OpTy::create(s.builder, s.loc, self,
                               s.builder.getDenseI64ArrayAttr(dims), keepdim));
}

/// Binds the maximum of `self` over `dims` (all of them when empty), or the
/// minimum as `-max(-x)` (-1 - x for integers; exact). Ties share the
/// gradient equally, as for torch.amax, torch.amin and the full reductions
/// torch.max(x) and torch.min(x). Booleans reduce as 0 and 1
/// (arithmeticType): any and all.
void bindExtremum(ImporterState &s, Value self, std::vector<int64_t> dims,
                  bool keepdim, bool isMax) {
  int64_t rank = typeOf(self).getRank();
  dims = reductionDims(s, std::move(dims), rank);
  if (rank == 0)
    return s.bindOutput(0, self);
  self = s.convertTo(self, s.elementType(arithmeticType(s.outputScalarType())));
  DenseI64ArrayAttr dimsAttr = s.builder.getDenseI64ArrayAttr(dims);
  if (isMax)
    return bindInOutputType(
        s, ds::MaxOp::create(s.builder, s.loc, self, dimsAttr, keepdim));
  Value max = ds::MaxOp::create(s.builder, s.loc, reverseOrder(s, self),
                                dimsAttr, keepdim);
  bindInOutputType(s, reverseOrder(s, max));
}

/// `amax`/`amin(self, dims, keepdim)`.
template <bool isMax> void amax(ImporterState &s) {
  bindExtremum(s, s.tensorInput(0), s.intListInput(1), s.boolInput(2), isMax);
}

/// `max`/`min` of all elements (`max(self)`), of two tensors elementwise
/// (`max.other`), or over one dimension with the positions
/// (bindExtremumAlong: the gradient goes to the returned position, not
/// shared between ties as amax's).
template <bool isMax> void extremum(ImporterState &s) {
  size_t n = s.node->inputs().size();
  if (n == 2 && s.inputScalarType(1))
    return isMax ? binary<ds::MaximumOp>(s) : binaryMinimum(s);
  if (n != 1)
    return bindExtremumAlong(s, isMax);
  bindExtremum(s, s.tensorInput(0), {}, /*keepdim=*/false, isMax);
}

template <typename OpTy> void softmax(ImporterState &s) {
  Value self = s.tensorInputAs(0, s.outputScalarType());
  int64_t dim = s.normalizeDim(s.intInput(1), typeOf(self).getRank());
  s.bindOutput(0, OpTy::create(s.builder, s.loc, self, dim));
}

/// `(weight, indices, padding_idx, scale_grad_by_freq, sparse)`: a
/// negative `padding_idx` is none; `sparse` changes only how PyTorch stores
/// the gradient.
void embedding(ImporterState &s) {
  size_t n = s.node->inputs().size();
  if (n > 3 && s.boolInput(3))
    s.fail("aten::embedding with scale_grad_by_freq=True is not supported "
           "(its gradient depends on counts over the global batch)");
  IntegerAttr paddingIdx;
  if (n > 2 && s.intInput(2) >= 0)
    paddingIdx = s.builder.getI64IntegerAttr(s.intInput(2));
  s.bindOutput(0, ds::EmbeddingOp::create(s.builder, s.loc, s.tensorInput(0),
                                          s.tensorInput(1), paddingIdx));
}

const llvm::StringMap<Conversion> &conversions() {
  static const llvm::StringMap<Conversion> table = [] {
    llvm::StringMap<Conversion> table = {
        {"aten::add", binaryWithAlpha<ds::AddOp>},
        {"aten::sub", binaryWithAlpha<ds::SubOp>},
        {"aten::rsub", rsub},
        {"aten::mul", binary<ds::MulOp>},
        {"aten::div", div},
        {"aten::true_divide", div},
        {"aten::maximum", binary<ds::MaximumOp>},
        {"aten::minimum", binaryMinimum},
        {"aten::atan2", binary<ds::Atan2Op>},
        {"aten::arctan2", binary<ds::Atan2Op>},
        {"aten::logaddexp", binary<ds::LogAddExpOp>},
        {"aten::eq", compare<ds::CompareDirection::EQ>},
        {"aten::ne", compare<ds::CompareDirection::NE>},
        {"aten::lt", compare<ds::CompareDirection::LT>},
        {"aten::le", compare<ds::CompareDirection::LE>},
        {"aten::gt", compare<ds::CompareDirection::GT>},
        {"aten::ge", compare<ds::CompareDirection::GE>},
        {"aten::neg", unary<ds::NegOp>},
        {"aten::exp", unary<ds::ExpOp>},
        {"aten::log", unary<ds::LogOp>},
        {"aten::log1p", unary<ds::Log1pOp>},
        {"aten::expm1", unary<ds::Expm1Op>},
        {"aten::sin", unary<ds::SinOp>},
        {"aten::erf", unary<ds::ErfOp>},
        {"aten::special_erf", unary<ds::ErfOp>},
        {"aten::cos", unary<ds::CosOp>},
        {"aten::tan", unary<ds::TanOp>},
        {"aten::asin", unary<ds::AsinOp>},
        {"aten::arcsin", unary<ds::AsinOp>},
        {"aten::acos", unary<ds::AcosOp>},
        {"aten::arccos", unary<ds::AcosOp>},
        {"aten::atan", unary<ds::AtanOp>},
        {"aten::arctan", unary<ds::AtanOp>},
        {"aten::sinh", unary<ds::SinhOp>},
        {"aten::cosh", unary<ds::CoshOp>},
        {"aten::asinh", unary<ds::AsinhOp>},
        {"aten::arcsinh", unary<ds::AsinhOp>},
        {"aten::acosh", unary<ds::AcoshOp>},
        {"aten::arccosh", unary<ds::AcoshOp>},
        {"aten::atanh", unary<ds::AtanhOp>},
        {"aten::arctanh", unary<ds::AtanhOp>},
        {"aten::exp2", unary<ds::Exp2Op>},
        {"aten::special_exp2", unary<ds::Exp2Op>},
        {"aten::erfinv", unary<ds::ErfinvOp>},
        {"aten::special_erfinv", unary<ds::ErfinvOp>},
        {"aten::sqrt", unary<ds::SqrtOp>},
        {"aten::rsqrt", unary<ds::RsqrtOp>},
        {"aten::tanh", unary<ds::TanhOp>},
        {"aten::relu", unary<ds::ReluOp>},
        {"aten::silu", unary<ds::SiluOp>},
        {"aten::sigmoid", unary<ds::SigmoidOp>},
        {"aten::log2", unary<ds::Log2Op>},
        {"aten::log10", unary<ds::Log10Op>},
        {"aten::special_expit", unary<ds::SigmoidOp>},
        {"aten::logical_not", logicalNot},
        {"aten::bitwise_not", logicalNot},
        {"aten::logical_and", logical<Logic::And>},
        {"aten::bitwise_and", logical<Logic::And>},
        {"aten::__and__", logical<Logic::And>},
        {"aten::logical_or", logical<Logic::Or>},
        {"aten::bitwise_or", logical<Logic::Or>},
        {"aten::__or__", logical<Logic::Or>},
        {"aten::logical_xor", logical<Logic::Xor>},
        {"aten::bitwise_xor", logical<Logic::Xor>},
        {"aten::__xor__", logical<Logic::Xor>},
        {"aten::any", anyOrAll<false>},
        {"aten::all", anyOrAll<true>},
        {"aten::clamp", clamp},
        {"aten::clip", clamp},
        {"aten::clamp_min", clamp},
        {"aten::clamp_max", clamp},
        {"aten::masked_fill", maskedFill},
        {"aten::triu", triangle<true>},
        {"aten::tril", triangle<false>},
        {"aten::to", convert},
        {"aten::_to_copy", convert},
        {"aten::type_as", convert},
        {"aten::float", convert},
        {"aten::double", convert},
        {"aten::half", convert},
        {"aten::bfloat16", convert},
        {"aten::long", convert},
        {"aten::int", convert},
        {"aten::contiguous", identity},
        {"aten::clone", identity},
        {"aten::detach", unary<ds::StopGradientOp>},
        {"aten::alias", identity},
        {"aten::linear", linear},
        {"aten::matmul", matmul},
        {"aten::mm", matmul},
        {"aten::bmm", matmul},
        {"aten::mv", matmul},
        {"aten::dot", matmul},
        {"aten::vdot", matmul},
        {"aten::outer", outer},
        {"aten::ger", outer},
        {"aten::addmm", addProduct},
        {"aten::baddbmm", addProduct},
        {"aten::sum", reduce<ds::SumOp>},
        {"aten::mean", reduce<ds::MeanOp>},
        {"aten::amax", amax<true>},
        {"aten::amin", amax<false>},
        {"aten::max", extremum<true>},
        {"aten::min", extremum<false>},
        {"aten::softmax", softmax<ds::SoftmaxOp>},
        {"aten::log_softmax", softmax<ds::LogSoftmaxOp>},
        {"aten::_softmax", softmax<ds::SoftmaxOp>},
        {"aten::_log_softmax", softmax<ds::LogSoftmaxOp>},
        {"aten::embedding", embedding},
    };
    addLossConversions(table);
    addMathConversions(table);
    addElementwiseConversions(table);
    addDropoutConversions(table);
    addAttentionConversions(table);
    addEinsumConversion(table);
    addConvConversions(table);
    addNormConversions(table);
    addActivationConversions(table);
    addResampleConversions(table);
    addShapeConversions(table);
    addIndexConversions(table);
    addScatterConversions(table);
    addInPlaceConversions(table);
    return table;
  }();
  return table;
}

} // namespace

/// Checks that what a conversion produced has the type of the example
/// result: an importer bug must not silently change a model's numerics.
void dsc::ts::checkOutputTypes(ImporterState &s) {
  for (size_t i = 0; i < s.node->outputs().size(); ++i) {
    auto it = s.values.find(s.node->outputs()[i]);
    if (it == s.values.end() || !it->second.isTensor() ||
        !s.shadowOf(s.node->outputs()[i]).isTensor())
      continue;
    RankedTensorType expected = s.outputType(i);
    if (it->second.tensor().getType() != expected) {
      std::string got;
      llvm::raw_string_ostream os(got);
      os << it->second.tensor().getType() << " where PyTorch computes "
         << expected;
      s.fail("internal error: '" + std::string(s.node->kind().toQualString()) +
             "' was imported as " + got);
    }
  }
}

Conversion dsc::ts::findConversion(llvm::StringRef kind) {
  auto it = conversions().find(kind);
  return it == conversions().end() ? nullptr : it->second;
}

bool dsc::ts::convertNode(ImporterState &state) {
  if (convertComplexNode(state))
    return true;
  Conversion conversion = findConversion(state.node->kind().toQualString());
  if (!conversion)
    return false;
  conversion(state);
  checkOutputTypes(state);
  return true;
}
