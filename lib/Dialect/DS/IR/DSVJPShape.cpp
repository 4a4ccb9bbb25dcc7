//===- DSVJPShape.cpp - VJP rules of the shape and constant ops -----------===//
//
// Shape ops move elements without arithmetic, so their gradients move the
// result gradient back: reshape back, the inverse permutation, a pad for a
// slice and the other way round, slices for a concatenation, a
// concatenation for a split, a sum for a broadcast.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

using namespace mlir;
using namespace mlir::ds;
using namespace mlir::ds::vjp;

namespace {
/// Pushes `rule(resultGrad)` for the one operand of a single-result op, or
/// null when the operand is not differentiable or the result has no
/// gradient.
template <typename Rule>
LogicalResult singleVJP(Operation *op, ArrayRef<Value> resultGrads,
                        SmallVectorImpl<Value> &operandGrads, Rule rule) {
  Value grad = resultGrads.front();
  bool differentiable = grad && isDifferentiable(op->getOperand(0).getType());
  operandGrads.push_back(differentiable ? rule(grad) : Value());
  return success();
}
} // namespace

LogicalResult ReshapeOp::buildVJP(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  return singleVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return ReshapeOp::create(builder, getLoc(), getInput().getType(), grad);
  });
}

LogicalResult TransposeOp::buildVJP(OpBuilder &builder,
                                    ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  return singleVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    ArrayRef<int64_t> permutation = getPermutation();
    SmallVector<int64_t> inverse(permutation.size());
    for (auto [i, p] : llvm::enumerate(permutation))
      inverse[p] = i;
    return TransposeOp::create(builder, getLoc(), grad, inverse);
  });
}

LogicalResult SliceOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  return singleVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return PadOp::create(builder, getLoc(), getInput().getType(), grad,
                         getStarts(), getStrides());
  });
}

LogicalResult PadOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  return singleVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    ArrayRef<int64_t> shape = getInput().getType().getShape();
    SmallVector<int64_t> limits;
    for (auto [size, low, stride] :
         llvm::zip_equal(shape, getLow(), getStrides()))
      limits.push_back(size == 0 ? low : low + (size - 1) * stride + 1);
    return SliceOp::create(builder, getLoc(), grad, getLow(), limits,
                           getStrides());
  });
}

LogicalResult ConcatOp::buildVJP(OpBuilder &builder,
                                 ArrayRef<Value> resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  Value grad = resultGrads.front();
  int64_t dim = getDim();
  int64_t offset = 0;
  for (Value input : getInputs()) {
    RankedTensorType type = cast<RankedTensorType>(input.getType());
    int64_t size = type.getDimSize(dim);
    if (grad && isDifferentiable(type)) {
      int64_t rank = type.getRank();
      SmallVector<int64_t> starts(rank, 0), strides(rank, 1);
      SmallVector<int64_t> limits(type.getShape());
      starts[dim] = offset;
      limits[dim] = offset + size;
      operandGrads.push_back(
          SliceOp::create(builder, getLoc(), grad, starts, limits, strides));
    } else {
      operandGrads.push_back(Value());
    }
    offset += size;
  }
  return success();
}

LogicalResult SplitOp::buildVJP(OpBuilder &builder, ArrayRef<Value> resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  if (!isDifferentiable(getInput().getType()) ||
      llvm::all_of(resultGrads, [](Value grad) { return !grad; })) {
    operandGrads.push_back(Value());
    return success();
  }
  // Pieces that do not reach the loss contribute zeros.
  SmallVector<Value> pieces;
  for (auto [grad, result] : llvm::zip_equal(resultGrads, getResults()))
    pieces.push_back(
        grad ? grad
             : createSplat(builder, getLoc(),
                           cast<RankedTensorType>(result.getType()), 0.0));
  operandGrads.push_back(
      ConcatOp::create(builder, getLoc(), pieces, getDimAttr()));
  return success();
}

LogicalResult BroadcastOp::buildVJP(OpBuilder &builder,
                                    ArrayRef<Value> resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  return singleVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    return sumToShape(builder, getLoc(), grad, getInput().getType());
  });
}

LogicalResult ConvertOp::buildVJP(OpBuilder &builder,
                                  ArrayRef<Value> resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  // Conversions to integers cut the gradient, as in PyTorch.
  return singleVJP(*this, resultGrads, operandGrads, [&](Value grad) -> Value {
    if (!isDifferentiable(getType()))
      return Value();
    return ConvertOp::create(builder, getLoc(), getInput().getType(), grad);
  });
}

bool StopGradientOp::propagatesGradients() { return false; }

LogicalResult StopGradientOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                                       SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(Value());
  return success();
}

LogicalResult IotaOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                               SmallVectorImpl<Value> &) {
  return success();
}

// The draws have no gradient; their integer step operand is not active.
LogicalResult DropoutMaskOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                                      SmallVectorImpl<Value> &grads) {
  grads.push_back(Value());
  return success();
}

LogicalResult UniformOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                                  SmallVectorImpl<Value> &grads) {
  grads.push_back(Value());
  return success();
}

LogicalResult ConstantOp::buildVJP(OpBuilder &, ArrayRef<Value>,
                                   SmallVectorImpl<Value> &) {
  return success();
}
