//===- DSVJPNeural.cpp - VJP rules of products, reductions and layers -----===//
//
// Matrix products differentiate into matrix products; normalisations,
// softmax, attention, embedding and the loss into their `*_grad` ops, which
// take what the forward computed (its operands or its result).
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::ds;
using namespace mlir::ds::vjp;

namespace {
RankedTensorType typeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Reshapes `value` to `shape`, or returns it when it already has that shape.
Value reshapeTo(OpBuilder &builder, Location loc, Value value,
                ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(value);
  if (type.getShape() == shape)
    return value;
  return ReshapeOp::create(
      builder, loc, RankedTensorType::get(shape, type.getElementType()), value);
}

/// Collapses all but the last dimension of `value`: [..., n] -> [N, n].
Value flattenLeading(OpBuilder &builder, Location loc, Value value) {
  ArrayRef<int64_t> shape = typeOf(value).getShape();
  int64_t rows = 1;
  for (int64_t size : shape.drop_back())
    rows *= size;
  return reshapeTo(builder, loc, value, {rows, shape.back()});
}

/// The shape of a reduction's input with the reduced `dims` kept as size 1.
SmallVector<int64_t> keptShape(RankedTensorType input, ArrayRef<int64_t> dims) {
  SmallVector<int64_t> shape(input.getShape());
  for (int64_t dim : dims)
    shape[dim] = 1;
  return shape;
}
} // namespace

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::buildVJP(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  if (!grad) {
    operandGrads.append(2, Value());
    return success();
  }
  Location loc = getLoc();
  Value a = getLhs(), b = getRhs();
  bool tl = getTransposeLhs(), tr = getTransposeRhs();
  // With C = op(A) op(B): d op(A) = dC op(B)^T and d op(B) = op(A)^T dC;
  // transposing back where an operand was transposed gives one product each.
  Value gradA, gradB;
  if (!tl) {
    gradA = MatmulOp::create(builder, loc, grad, b, false, !tr);
  } else {
    gradA = MatmulOp::create(builder, loc, b, grad, tr, true);
  }
  if (!tl && typeOf(b).getRank() == 2 && typeOf(a).getRank() > 2) {
    // A [..., M, K] against a matrix B: contract over all rows at once
    // instead of forming a batch of products and summing it.
    Value rowsA = flattenLeading(builder, loc, a);
    Value rowsGrad = flattenLeading(builder, loc, grad);
    gradB = tr ? MatmulOp::create(builder, loc, rowsGrad, rowsA, true, false)
               : MatmulOp::create(builder, loc, rowsA, rowsGrad, true, false);
  } else if (!tr) {
    gradB = MatmulOp::create(builder, loc, a, grad, !tl, false);
  } else {
    gradB = MatmulOp::create(builder, loc, grad, a, true, tl);
  }
  // Batch dimensions that broadcasting expanded are summed back.
  operandGrads.push_back(sumToShape(builder, loc, gradA, typeOf(a)));
  operandGrads.push_back(sumToShape(builder, loc, gradB, typeOf(b)));
  return success();
}

LogicalResult LinearOp::buildVJP(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  if (!grad) {
    operandGrads.append(getOperation()->getNumOperands(), Value());
    return success();
  }
  Location loc = getLoc();
  RankedTensorType input = getInput().getType();
  // dx = dy · W, batched over the leading dimensions of dy.
  Value gradInput;
  if (input.getRank() >= 2) {
    gradInput = MatmulOp::create(builder, loc, grad, getWeight());
  } else {
    Value row = reshapeTo(builder, loc, grad, {1, typeOf(grad).getDimSize(0)});
    gradInput = reshapeTo(builder, loc,
                          MatmulOp::create(builder, loc, row, getWeight()),
                          input.getShape());
  }
  operandGrads.push_back(gradInput);
  // dW = dyᵀ · x over all positions: [N, out]ᵀ · [N, in].
  Value rowsGrad = flattenLeading(builder, loc, grad);
  Value rowsInput = flattenLeading(builder, loc, getInput());
  operandGrads.push_back(MatmulOp::create(builder, loc, rowsGrad, rowsInput,
                                          /*transpose_lhs=*/true));
  if (getBias()) {
    // db = dy summed over every leading dimension.
    SmallVector<int64_t> leading =
        llvm::to_vector(llvm::seq<int64_t>(0, input.getRank() - 1));
    operandGrads.push_back(
        leading.empty()
            ? grad
            : SumOp::create(builder, loc, grad, leading).getResult());
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

namespace {
/// The result gradient of a reduction with its reduced dimensions restored
/// as size 1, ready to broadcast against the input.
Value restoreReducedDims(OpBuilder &builder, Location loc, Value grad,
                         RankedTensorType input, ArrayRef<int64_t> dims) {
  return reshapeTo(builder, loc, grad, keptShape(input, dims));
}
} // namespace

LogicalResult SumOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  RankedTensorType input = getInput().getType();
  if (!grad || !isDifferentiable(input)) {
    operandGrads.push_back(Value());
    return success();
  }
  Location loc = getLoc();
  Value kept = restoreReducedDims(builder, loc, grad, input, getDims());
  operandGrads.push_back(BroadcastOp::create(builder, loc, input, kept));
  return success();
}

LogicalResult MeanOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  RankedTensorType input = getInput().getType();
  if (!grad || !isDifferentiable(input)) {
    operandGrads.push_back(Value());
    return success();
  }
  Location loc = getLoc();
  int64_t count = 1;
  for (int64_t dim : getDims())
    count *= input.getDimSize(dim);
  Value kept = restoreReducedDims(builder, loc, grad, input, getDims());
  Value scaled = DivOp::create(
      builder, loc, kept,
      createScalarLike(builder, loc, kept, static_cast<double>(count)));
  operandGrads.push_back(BroadcastOp::create(builder, loc, input, scaled));
  return success();
}

LogicalResult MaxOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // As torch.amax: the gradient goes to every position that holds the
  // maximum, shared equally between ties.
  Value grad = resultGrads.front();
  RankedTensorType input = getInput().getType();
  if (!grad || !isDifferentiable(input)) {
    operandGrads.push_back(Value());
    return success();
  }
  Location loc = getLoc();
  Value keptMax =
      restoreReducedDims(builder, loc, getResult(), input, getDims());
  Value isMax = CompareOp::create(builder, loc, CompareDirection::EQ,
                                  getInput(), keptMax);
  Value mask = ConvertOp::create(builder, loc, input, isMax);
  Value count = SumOp::create(builder, loc, mask, getDims(), /*keepdim=*/true);
  Value kept = restoreReducedDims(builder, loc, grad, input, getDims());
  Value share = DivOp::create(builder, loc, kept, count);
  operandGrads.push_back(MulOp::create(builder, loc, mask, share));
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax and normalisations
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::buildVJP(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  operandGrads.push_back(grad ? SoftmaxGradOp::create(builder, getLoc(),
                                                      getResult(), grad,
                                                      getDimAttr())
                                    .getResult()
                              : Value());
  return success();
}

/// The gradient of a running sum is the running sum of the gradient the
/// other way; integers take none.
LogicalResult CumsumOp::buildVJP(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  if (!grad || !isa<FloatType>(getType().getElementType())) {
    operandGrads.push_back(Value());
    return success();
  }
  operandGrads.push_back(
      CumsumOp::create(builder, getLoc(), grad, getDim(), !getReverse()));
  return success();
}

LogicalResult LogSoftmaxOp::buildVJP(OpBuilder &builder,
                                     ArrayRef<Value> resultGrads,
                                     SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  operandGrads.push_back(grad ? LogSoftmaxGradOp::create(builder, getLoc(),
                                                         getResult(), grad,
                                                         getDimAttr())
                                    .getResult()
                              : Value());
  return success();
}

namespace {
/// The norms' weight, or ones of the channel shape when the op has none.
Value weightOrOnes(OpBuilder &builder, Location loc, Value weight,
                   RankedTensorType input) {
  if (weight)
    return weight;
  return createSplat(
      builder, loc,
      RankedTensorType::get({input.getShape().back()}, input.getElementType()),
      1.0);
}
} // namespace

LogicalResult LayerNormOp::buildVJP(OpBuilder &builder,
                                    ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  if (!grad) {
    operandGrads.append(getOperation()->getNumOperands(), Value());
    return success();
  }
  Location loc = getLoc();
  RankedTensorType input = getInput().getType();
  Value weight = weightOrOnes(builder, loc, getWeight(), input);
  Type channel = weight.getType();
  auto grads =
      LayerNormGradOp::create(builder, loc, TypeRange{input, channel, channel},
                              getInput(), weight, grad, getEpsilonAttr());
  operandGrads.push_back(grads.getGradInput());
  if (getWeight())
    operandGrads.push_back(grads.getGradWeight());
  if (getBias())
    operandGrads.push_back(grads.getGradBias());
  return success();
}

LogicalResult RmsNormOp::buildVJP(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  if (!grad) {
    operandGrads.append(getOperation()->getNumOperands(), Value());
    return success();
  }
  Location loc = getLoc();
  RankedTensorType input = getInput().getType();
  Value weight = weightOrOnes(builder, loc, getWeight(), input);
  auto grads =
      RmsNormGradOp::create(builder, loc, TypeRange{input, weight.getType()},
                            getInput(), weight, grad, getEpsilonAttr());
  operandGrads.push_back(grads.getGradInput());
  if (getWeight())
    operandGrads.push_back(grads.getGradWeight());
  return success();
}

//===----------------------------------------------------------------------===//
// Embedding, attention, loss
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::buildVJP(OpBuilder &builder,
                                    ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  operandGrads.push_back(
      grad ? EmbeddingGradOp::create(builder, getLoc(), getWeight().getType(),
                                     getIndices(), grad, getPaddingIdxAttr())
                 .getResult()
           : Value());
  operandGrads.push_back(Value());
  return success();
}

LogicalResult AttentionOp::buildVJP(OpBuilder &builder,
                                    ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  if (!grad) {
    operandGrads.append(getNumOperands(), Value());
    return success();
  }
  // The bias's gradient too, where there is a bias; canonicalization
  // drops it where nothing reads it (a bias no trainable parameter
  // reaches). The sinks' always comes with them.
  Type biasType = getBias() ? getBias().getType() : Type();
  Type sinksType = getSinks() ? getSinks().getType() : Type();
  auto grads = AttentionGradOp::create(
      builder, getLoc(), getQuery().getType(), getKey().getType(),
      getValue().getType(), biasType, sinksType, getQuery(), getKey(),
      getValue(), getResult(), grad, getBias(), getSinks(), getCausalAttr(),
      getWindowAttr(), getKeyLengthAttr(), getScaleAttr(), getSoftcapAttr(),
      getFillAttr());
  operandGrads.append(grads->result_begin(), grads->result_end());
  return success();
}

LogicalResult CrossEntropyOp::buildVJP(OpBuilder &builder,
                                       ArrayRef<Value> resultGrads,
                                       SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  operandGrads.push_back(grad ? CrossEntropyGradOp::create(
                                    builder, getLoc(), getLogits().getType(),
                                    getLogits(), getLabels(), grad,
                                    getIgnoreIndexAttr(), getSumAttr())
                                    .getResult()
                              : Value());
  operandGrads.push_back(Value());
  return success();
}
