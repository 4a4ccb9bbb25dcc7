//===- DSVerifiers.cpp - verifiers of ds ops without inferred types -------===//
//
// Ops with inferred result types check their rules in DSTypeInference.cpp;
// the ops here take their result type from the IR and check it.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

using namespace mlir;
using namespace mlir::ds;

namespace {
LogicalResult checkDimInRange(Operation *op, StringRef what, int64_t dim,
                              int64_t rank) {
  if (dim < 0 || dim >= rank)
    return op->emitOpError()
           << what << " " << dim << " is out of range for rank " << rank;
  return success();
}
} // namespace

template <typename OpTy> static LogicalResult verifySoftmaxLike(OpTy op) {
  return checkDimInRange(op, "dim", op.getDim(), op.getType().getRank());
}

LogicalResult SoftmaxOp::verify() { return verifySoftmaxLike(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmaxLike(*this); }
LogicalResult CumsumOp::verify() { return verifySoftmaxLike(*this); }

LogicalResult IotaOp::verify() {
  return checkDimInRange(*this, "dim", getDim(), getType().getRank());
}

/// A counter-based draw's stream and seed (ds.dropout_mask, ds.uniform).
static LogicalResult verifyDrawKey(Operation *op, int64_t stream,
                                   int64_t seed) {
  if (stream < 0 || seed < 0)
    return op->emitOpError() << "stream and seed must not be negative";
  return success();
}

LogicalResult DropoutMaskOp::verify() {
  double p = getP().convertToDouble();
  if (!(p >= 0 && p < 1))
    return emitOpError() << "p = " << p << " is not in [0, 1)";
  return verifyDrawKey(*this, getStream(), getSeed());
}

LogicalResult UniformOp::verify() {
  Type element = getType().getElementType();
  if (!element.isF64() && !element.isF32() && !element.isF16() &&
      !element.isBF16())
    return emitOpError() << "draws f64, f32, f16 or bf16, not " << element;
  return verifyDrawKey(*this, getStream(), getSeed());
}

LogicalResult ReshapeOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType result = getType();
  if (input.getElementType() != result.getElementType())
    return emitOpError() << "element type " << result.getElementType()
                         << " differs from the input's "
                         << input.getElementType();
  if (input.getNumElements() != result.getNumElements())
    return emitOpError() << "cannot reshape " << input.getNumElements()
                         << " elements into " << result.getNumElements();
  return success();
}

LogicalResult BroadcastOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType result = getType();
  if (input.getElementType() != result.getElementType())
    return emitOpError() << "element type " << result.getElementType()
                         << " differs from the input's "
                         << input.getElementType();
  int64_t offset = result.getRank() - input.getRank();
  if (offset < 0)
    return emitOpError() << "cannot broadcast rank " << input.getRank()
                         << " to the smaller rank " << result.getRank();
  for (int64_t d = 0; d < input.getRank(); ++d) {
    int64_t from = input.getDimSize(d), to = result.getDimSize(d + offset);
    if (from != 1 && from != to)
      return emitOpError() << "operand dimension " << d << " of size " << from
                           << " cannot broadcast to size " << to;
  }
  return success();
}

LogicalResult RecomputeOp::verify() {
  Block &body = getBody().front();
  if (getResults().empty())
    return emitOpError() << "recomputes nothing (no results)";
  if (body.getArgumentTypes() != getInputs().getTypes())
    return emitOpError() << "block arguments must have the types of the inputs";
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError() << "yields " << yield.getValues().size()
                         << " values whose types differ from its results";
  if (getBlock() < 0)
    return emitOpError() << "block must be non-negative";
  return success();
}

/// The memory spaces a persistent tensor can be kept in besides the device.
static LogicalResult verifyMemorySpace(Operation *op, StringRef space) {
  if (space != "nvme" && space != "cpu")
    return op->emitOpError()
           << "memory space must be \"cpu\" or \"nvme\", got \"" << space
           << "\"";
  return success();
}

/// A transfer (ds.reload, ds.offload) ends at its one ds.wait.
static LogicalResult verifyTransfer(Operation *op, StringRef space) {
  if (failed(verifyMemorySpace(op, space)))
    return failure();
  Value result = op->getResult(0);
  if (!result.hasOneUse() || !isa<WaitOp>(*result.getUsers().begin()))
    return op->emitOpError()
           << "result must be read by one ds.wait (the transfer's end) and "
              "nothing else";
  return success();
}

LogicalResult ReloadOp::verify() { return verifyTransfer(*this, getSpace()); }

LogicalResult OffloadOp::verify() { return verifyTransfer(*this, getSpace()); }

LogicalResult WaitOp::verify() {
  if (!getInput().getDefiningOp<ReloadOp>() &&
      !getInput().getDefiningOp<OffloadOp>())
    return emitOpError() << "waits for a transfer: its operand must be the "
                            "result of a ds.reload or ds.offload";
  return success();
}
