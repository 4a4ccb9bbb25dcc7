//===- DSTypeInference.cpp - result types of ds ops -----------------------===//
//
// Ops whose operands and attributes determine the result type compute it
// here. A failure names the op and the rule broken; the verifier reports it
// at the op's location.
//
// Over 500 lines because it has one short inferReturnTypes per op of the
// dialect (about sixty); split it by op family when it grows further.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/Dialect/Traits.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ds;

namespace {
template <typename OpTy, typename... Args>
LogicalResult fail(std::optional<Location> loc, Args &&...args) {
  return emitOptionalError(loc, "'", OpTy::getOperationName(), "' op ",
                           std::forward<Args>(args)...);
}

RankedTensorType tensorType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Broadcasts `shapes` by the NumPy rule; fails on incompatible sizes.
FailureOr<SmallVector<int64_t>> broadcast(ArrayRef<ArrayRef<int64_t>> shapes) {
  SmallVector<int64_t> result;
  for (ArrayRef<int64_t> shape : shapes) {
    SmallVector<int64_t> next;
    if (!OpTrait::util::getBroadcastedShape(result, shape, next))
      return failure();
    result = std::move(next);
  }
  return result;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

/// The shared rule of the broadcasting elementwise ops.
template <typename OpTy>
LogicalResult inferElementwise(std::optional<Location> loc, ValueRange values,
                               Type resultElementType,
                               SmallVectorImpl<Type> &inferred) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : values)
    shapes.push_back(tensorType(v).getShape());
  FailureOr<SmallVector<int64_t>> shape = broadcast(shapes);
  if (failed(shape)) {
    std::string all;
    for (ArrayRef<int64_t> s : shapes)
      all += (all.empty() ? "" : " and ") + shapeString(s);
    return fail<OpTy>(loc, "operand shapes ", all,
                      " are not broadcast-compatible");
  }
  inferred.push_back(RankedTensorType::get(*shape, resultElementType));
  return success();
}

template <typename OpTy>
LogicalResult inferBinary(std::optional<Location> loc, Value lhs, Value rhs,
                          SmallVectorImpl<Type> &inferred) {
  Type elementType = tensorType(lhs).getElementType();
  if (elementType != tensorType(rhs).getElementType())
    return fail<OpTy>(loc, "operand element types differ: ", elementType,
                      " vs ", tensorType(rhs).getElementType());
  return inferElementwise<OpTy>(loc, {lhs, rhs}, elementType, inferred);
}

/// Checks that `dim` indexes a tensor of rank `rank`.
template <typename OpTy>
LogicalResult checkDim(std::optional<Location> loc, StringRef what, int64_t dim,
                       int64_t rank) {
  if (dim < 0 || dim >= rank)
    return fail<OpTy>(loc, what, " ", dim, " is out of range for rank ", rank);
  return success();
}

/// Checks an optional per-channel operand of the norms: rank 1, the size of
/// the input's last dimension, the input's element type.
template <typename OpTy>
LogicalResult checkChannelOperand(std::optional<Location> loc, StringRef what,
                                  Value operand, RankedTensorType input) {
  if (!operand)
    return success();
  RankedTensorType type = tensorType(operand);
  if (type.getRank() != 1 || input.getRank() < 1 ||
      type.getDimSize(0) != input.getShape().back())
    return fail<OpTy>(loc, what, " must have shape [",
                      input.getRank() ? input.getShape().back() : 0, "], got ",
                      shapeString(type.getShape()));
  if (type.getElementType() != input.getElementType())
    return fail<OpTy>(loc, what, " element type ", type.getElementType(),
                      " differs from the input's ", input.getElementType());
  return success();
}

template <typename OpTy>
LogicalResult checkEpsilon(std::optional<Location> loc, double epsilon) {
  if (!(epsilon > 0))
    return fail<OpTy>(loc, "epsilon must be positive, got ", epsilon);
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

#define DS_BINARY_INFERENCE(OP)                                                \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &inferred) {                                       \
    return inferBinary<OP>(loc, adaptor.getLhs(), adaptor.getRhs(), inferred); \
  }
DS_BINARY_INFERENCE(AddOp)
DS_BINARY_INFERENCE(SubOp)
DS_BINARY_INFERENCE(MulOp)
DS_BINARY_INFERENCE(DivOp)
DS_BINARY_INFERENCE(MaximumOp)
DS_BINARY_INFERENCE(Atan2Op)
DS_BINARY_INFERENCE(PowerOp)
DS_BINARY_INFERENCE(LogAddExpOp)
#undef DS_BINARY_INFERENCE

LogicalResult CompareOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  Type lhs = tensorType(adaptor.getLhs()).getElementType();
  Type rhs = tensorType(adaptor.getRhs()).getElementType();
  if (lhs != rhs)
    return fail<CompareOp>(loc, "operand element types differ: ", lhs, " vs ",
                           rhs);
  return inferElementwise<CompareOp>(loc, {adaptor.getLhs(), adaptor.getRhs()},
                                     IntegerType::get(context, 1), inferred);
}

LogicalResult SelectOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  Type onTrue = tensorType(adaptor.getOnTrue()).getElementType();
  Type onFalse = tensorType(adaptor.getOnFalse()).getElementType();
  if (onTrue != onFalse)
    return fail<SelectOp>(loc,
                          "on_true and on_false element types differ: ", onTrue,
                          " vs ", onFalse);
  return inferElementwise<SelectOp>(
      loc, {adaptor.getCondition(), adaptor.getOnTrue(), adaptor.getOnFalse()},
      onTrue, inferred);
}

//===----------------------------------------------------------------------===//
// Products
//===----------------------------------------------------------------------===//

namespace {
/// Whether `actual` is `inferred` or, where `inferred` holds bfloat16 or
/// float16, the same shape in float32: a product or sum accumulated in
/// float32 and not rounded (a partial sum that its all-reduce completes
/// before the one rounding).
bool isSameOrAccumulated(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != 1 || actual.size() != 1)
    return false;
  if (inferred.front() == actual.front())
    return true;
  auto narrow = dyn_cast<RankedTensorType>(inferred.front());
  auto wide = dyn_cast<RankedTensorType>(actual.front());
  return narrow && wide && narrow.getShape() == wide.getShape() &&
         (narrow.getElementType().isBF16() ||
          narrow.getElementType().isF16()) &&
         wide.getElementType().isF32();
}
} // namespace

bool MatmulOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return isSameOrAccumulated(l, r);
}
bool LinearOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return isSameOrAccumulated(l, r);
}
bool SumOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return isSameOrAccumulated(l, r);
}
bool MeanOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return isSameOrAccumulated(l, r);
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType lhs = tensorType(adaptor.getLhs());
  RankedTensorType rhs = tensorType(adaptor.getRhs());
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return fail<MatmulOp>(loc, "operands must have rank >= 2, got ",
                          lhs.getRank(), " and ", rhs.getRank());
  if (lhs.getElementType() != rhs.getElementType())
    return fail<MatmulOp>(loc, "operand element types differ: ",
                          lhs.getElementType(), " vs ", rhs.getElementType());
  ArrayRef<int64_t> a = lhs.getShape(), b = rhs.getShape();
  int64_t m = a[a.size() - 2], k = a.back();
  if (adaptor.getTransposeLhs())
    std::swap(m, k);
  int64_t k2 = b[b.size() - 2], n = b.back();
  if (adaptor.getTransposeRhs())
    std::swap(k2, n);
  if (k != k2)
    return fail<MatmulOp>(loc, "contracted dimensions differ: ", k, " vs ", k2);
  FailureOr<SmallVector<int64_t>> batch =
      broadcast({a.drop_back(2), b.drop_back(2)});
  if (failed(batch))
    return fail<MatmulOp>(loc, "batch dimensions ", shapeString(a.drop_back(2)),
                          " and ", shapeString(b.drop_back(2)),
                          " are not broadcast-compatible");
  batch->append({m, n});
  inferred.push_back(RankedTensorType::get(*batch, lhs.getElementType()));
  return success();
}

LogicalResult LinearOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorType(adaptor.getInput());
  RankedTensorType weight = tensorType(adaptor.getWeight());
  if (weight.getRank() != 2)
    return fail<LinearOp>(loc, "weight must have rank 2, got ",
                          weight.getRank());
  if (input.getRank() < 1)
    return fail<LinearOp>(loc, "input must have rank >= 1");
  if (input.getShape().back() != weight.getDimSize(1))
    return fail<LinearOp>(loc, "input features ", input.getShape().back(),
                          " differ from weight's ", weight.getDimSize(1));
  if (weight.getElementType() != input.getElementType())
    return fail<LinearOp>(loc, "weight element type ", weight.getElementType(),
                          " differs from the input's ", input.getElementType());
  if (Value bias = adaptor.getBias()) {
    RankedTensorType type = tensorType(bias);
    if (type.getRank() != 1 || type.getDimSize(0) != weight.getDimSize(0))
      return fail<LinearOp>(loc, "bias must have shape [", weight.getDimSize(0),
                            "], got ", shapeString(type.getShape()));
    if (type.getElementType() != input.getElementType())
      return fail<LinearOp>(loc, "bias element type ", type.getElementType(),
                            " differs from the input's ",
                            input.getElementType());
  }
  SmallVector<int64_t> shape(input.getShape());
  shape.back() = weight.getDimSize(0);
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

namespace {
template <typename OpTy>
LogicalResult inferReduce(std::optional<Location> loc,
                          typename OpTy::Adaptor adaptor,
                          SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorType(adaptor.getInput());
  ArrayRef<int64_t> dims = adaptor.getDims();
  if (dims.empty())
    return fail<OpTy>(loc, "dims must not be empty");
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (failed(checkDim<OpTy>(loc, "reduced dimension", dim, input.getRank())))
      return failure();
    if (i > 0 && dims[i - 1] >= dim)
      return fail<OpTy>(loc, "dims must be sorted and distinct");
  }
  SmallVector<int64_t> shape;
  for (auto [d, size] : llvm::enumerate(input.getShape())) {
    if (!llvm::is_contained(dims, static_cast<int64_t>(d)))
      shape.push_back(size);
    else if (adaptor.getKeepdim())
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}
} // namespace

#define DS_REDUCE_INFERENCE(OP)                                                \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &inferred) {                                       \
    return inferReduce<OP>(loc, adaptor, inferred);                            \
  }
DS_REDUCE_INFERENCE(SumOp)
DS_REDUCE_INFERENCE(MeanOp)
DS_REDUCE_INFERENCE(MaxOp)
#undef DS_REDUCE_INFERENCE

//===----------------------------------------------------------------------===//
// Norms, embedding, attention, loss
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorType(adaptor.getInput());
  if (failed(checkChannelOperand<LayerNormOp>(loc, "weight",
                                              adaptor.getWeight(), input)) ||
      failed(checkChannelOperand<LayerNormOp>(loc, "bias", adaptor.getBias(),
                                              input)) ||
      failed(checkEpsilon<LayerNormOp>(loc,
                                       adaptor.getEpsilon().convertToDouble())))
    return failure();
  inferred.push_back(input);
  return success();
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorType(adaptor.getInput());
  if (failed(checkChannelOperand<RmsNormOp>(loc, "weight", adaptor.getWeight(),
                                            input)) ||
      failed(
          checkEpsilon<RmsNormOp>(loc, adaptor.getEpsilon().convertToDouble())))
    return failure();
  inferred.push_back(input);
  return success();
}

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType weight = tensorType(adaptor.getWeight());
  if (weight.getRank() != 2)
    return fail<EmbeddingOp>(loc, "weight must have rank 2, got ",
                             weight.getRank());
  if (std::optional<int64_t> row = adaptor.getPaddingIdx();
      row && (*row < 0 || *row >= weight.getDimSize(0)))
    return fail<EmbeddingOp>(loc, "padding_idx ", *row,
                             " is not a row of the weight (",
                             weight.getDimSize(0), " rows)");
  SmallVector<int64_t> shape(tensorType(adaptor.getIndices()).getShape());
  shape.push_back(weight.getDimSize(1));
  inferred.push_back(RankedTensorType::get(shape, weight.getElementType()));
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType q = tensorType(adaptor.getQuery());
  RankedTensorType v = tensorType(adaptor.getValue());
  RankedTensorType bias =
      adaptor.getBias() ? tensorType(adaptor.getBias()) : RankedTensorType();
  RankedTensorType sinks =
      adaptor.getSinks() ? tensorType(adaptor.getSinks()) : RankedTensorType();
  std::string wrong = checkAttention(
      q, tensorType(adaptor.getKey()), v, bias, sinks, adaptor.getCausal(),
      adaptor.getWindow(), adaptor.getKeyLength(),
      adaptor.getScale().convertToDouble(),
      optionalDouble(adaptor.getSoftcapAttr()),
      optionalDouble(adaptor.getFillAttr()));
  if (!wrong.empty())
    return fail<AttentionOp>(loc, wrong);
  inferred.push_back(RankedTensorType::get(
      {q.getDimSize(0), q.getDimSize(1), q.getDimSize(2), v.getDimSize(3)},
      q.getElementType()));
  return success();
}

std::string mlir::ds::checkAttention(
    RankedTensorType q, RankedTensorType k, RankedTensorType v,
    RankedTensorType bias, RankedTensorType sinks, bool causal,
    std::optional<int64_t> window, std::optional<int64_t> keyLength,
    double scale, std::optional<double> softcap, std::optional<double> fill) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return "query, key and value must have rank 4";
  if (k.getElementType() != q.getElementType() ||
      v.getElementType() != q.getElementType())
    return "query, key and value element types differ";
  if (k.getDimSize(0) != q.getDimSize(0) || v.getDimSize(0) != q.getDimSize(0))
    return "batch sizes differ";
  if (k.getDimSize(1) != v.getDimSize(1) || k.getDimSize(2) != v.getDimSize(2))
    return "key and value must agree on heads and length";
  int64_t skv = k.getDimSize(2);
  if (k.getDimSize(3) != q.getDimSize(3))
    os << "query head dimension " << q.getDimSize(3) << " differs from key's "
       << k.getDimSize(3);
  // Zero key/value heads would leave query heads without one to attend with.
  else if (k.getDimSize(1) == 0 || q.getDimSize(1) % k.getDimSize(1) != 0)
    os << "query heads " << q.getDimSize(1)
       << " are not a multiple of key/value heads " << k.getDimSize(1);
  else if (causal && q.getDimSize(2) != skv)
    os << "causal attention needs equal query and key lengths, got "
       << q.getDimSize(2) << " and " << skv;
  else if (!(scale > 0))
    os << "scale must be positive";
  else if (softcap && !(*softcap > 0 && std::isfinite(*softcap)))
    os << "softcap must be positive and finite, got " << *softcap;
  else if (fill && !std::isfinite(*fill))
    os << "fill must be finite, got " << *fill;
  else if (fill && !bias)
    os << "fill needs a bias (it replaces the scores whose bias is -inf)";
  if (!text.empty())
    return text;
  if (bias) {
    SmallVector<int64_t> scores = {q.getDimSize(0), q.getDimSize(1),
                                   q.getDimSize(2), skv};
    bool fits =
        bias.getRank() == 4 &&
        llvm::all_of(llvm::zip(bias.getShape(), scores), [](auto p) {
          return std::get<0>(p) == 1 || std::get<0>(p) == std::get<1>(p);
        });
    if (!fits)
      os << "bias " << bias << " does not broadcast to the scores "
         << shapeString(scores);
    else if (bias.getElementType() != q.getElementType())
      os << "bias element type differs from the query's";
  }
  if (text.empty() && sinks &&
      (sinks.getRank() != 1 || sinks.getDimSize(0) != q.getDimSize(1) ||
       sinks.getElementType() != q.getElementType()))
    os << "sinks " << sinks << " must be [" << q.getDimSize(1)
       << "] (one per query head) of the query's element type";
  if (text.empty() && window && (*window < 1 || !causal))
    os << "window " << *window << " must be at least 1 and needs causal";
  if (text.empty() && keyLength && (*keyLength < 1 || *keyLength > skv))
    os << "key_length " << *keyLength << " must lie in [1, " << skv << "]";
  return text;
}

LogicalResult
CrossEntropyOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                 Adaptor adaptor,
                                 SmallVectorImpl<Type> &inferred) {
  RankedTensorType logits = tensorType(adaptor.getLogits());
  RankedTensorType labels = tensorType(adaptor.getLabels());
  if (logits.getRank() < 1 ||
      labels.getShape() != logits.getShape().drop_back())
    return fail<CrossEntropyOp>(
        loc, "labels shape ", shapeString(labels.getShape()),
        " must be the logits shape ", shapeString(logits.getShape()),
        " without its last dimension");
  inferred.push_back(RankedTensorType::get({}, logits.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorType(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  SmallVector<bool> seen(input.getRank(), false);
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return fail<TransposeOp>(loc, "permutation has ", perm.size(),
                             " entries for rank ", input.getRank());
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return fail<TransposeOp>(loc, "permutation ", shapeString(perm),
                               " is not a permutation of 0..",
                               input.getRank() - 1);
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorType(adaptor.getInput());
  ArrayRef<int64_t> starts = adaptor.getStarts(), limits = adaptor.getLimits(),
                    strides = adaptor.getStrides();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(starts.size()) != rank ||
      static_cast<int64_t>(limits.size()) != rank ||
      static_cast<int64_t>(strides.size()) != rank)
    return fail<SliceOp>(loc, "starts, limits and strides need ", rank,
                         " entries each");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (starts[d] < 0 || starts[d] > limits[d] ||
        limits[d] > input.getDimSize(d) || strides[d] < 1)
      return fail<SliceOp>(loc, "slice ", starts[d], ":", limits[d], ":",
                           strides[d], " of dimension ", d, " (size ",
                           input.getDimSize(d), ") is out of bounds");
    shape.push_back(llvm::divideCeil(limits[d] - starts[d], strides[d]));
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (adaptor.getInputs().empty())
    return fail<ConcatOp>(loc, "needs at least one operand");
  RankedTensorType first = tensorType(adaptor.getInputs().front());
  int64_t dim = adaptor.getDim();
  if (failed(checkDim<ConcatOp>(loc, "dim", dim, first.getRank())))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[dim] = 0;
  for (Value v : adaptor.getInputs()) {
    RankedTensorType type = tensorType(v);
    if (type.getRank() != first.getRank() ||
        type.getElementType() != first.getElementType())
      return fail<ConcatOp>(loc, "operands must share rank and element type");
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != dim && type.getDimSize(d) != first.getDimSize(d))
        return fail<ConcatOp>(
            loc, "operand shapes ", shapeString(first.getShape()), " and ",
            shapeString(type.getShape()), " differ outside dimension ", dim);
    shape[dim] += type.getDimSize(dim);
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = tensorType(adaptor.getInput());
  int64_t dim = adaptor.getDim();
  if (failed(checkDim<SplitOp>(loc, "dim", dim, input.getRank())))
    return failure();
  ArrayRef<int64_t> sizes = adaptor.getSizes();
  int64_t total = 0;
  for (int64_t size : sizes) {
    if (size < 1)
      return fail<SplitOp>(loc, "sizes must be positive");
    total += size;
  }
  if (sizes.empty() || total != input.getDimSize(dim))
    return fail<SplitOp>(loc, "sizes ", shapeString(sizes),
                         " must add up to the size ", input.getDimSize(dim),
                         " of dimension ", dim);
  for (int64_t size : sizes) {
    SmallVector<int64_t> shape(input.getShape());
    shape[dim] = size;
    inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  }
  return success();
}
