//===- DSCosts.cpp - what ds ops cost (CostOpInterface) -------------------===//
//
// The defaults (DSInterfaces.td) count one operation per element and every
// tensor read or written once; the ops here do other work.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

using namespace mlir;
using namespace mlir::ds;

static double elementCount(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasStaticShape()
             ? static_cast<double>(shaped.getNumElements())
             : 0.0;
}

double cost::largestElementCount(Operation *op) {
  double largest = 0;
  for (Type type : op->getOperandTypes())
    largest = std::max(largest, elementCount(type));
  for (Type type : op->getResultTypes())
    largest = std::max(largest, elementCount(type));
  return largest;
}

double cost::byteCount(TypeRange types) {
  double bytes = 0;
  for (Type type : types)
    if (auto shaped = dyn_cast<ShapedType>(type))
      bytes += elementCount(type) *
               std::max<int64_t>(shaped.getElementTypeBitWidth() / 8, 1);
  return bytes;
}

/// The contracted length of a matrix product whose left operand is `lhs`.
static double contracted(Value lhs, bool transposed) {
  ArrayRef<int64_t> shape = cast<ShapedType>(lhs.getType()).getShape();
  return static_cast<double>(shape[shape.size() - (transposed ? 2 : 1)]);
}

// The draw's int64 arithmetic per element (Shape.cpp runDropoutMask):
// the counter, three shift-xor-mask rounds and two products, the final
// shift, mask and comparison.
double DropoutMaskOp::getFlops() { return 16 * elementCount(getType()); }

// The same draw, the shift, the conversion and the scaling.
double UniformOp::getFlops() { return 16 * elementCount(getType()); }

// A multiply and an add per contracted element of every output.
double MatmulOp::getFlops() {
  return 2 * elementCount(getType()) * contracted(getLhs(), getTransposeLhs());
}
bool MatmulOp::usesMatrixUnits() { return true; }

double LinearOp::getFlops() {
  return 2 * elementCount(getType()) * contracted(getInput(), false) +
         (getBias() ? elementCount(getType()) : 0);
}
bool LinearOp::usesMatrixUnits() { return true; }

/// Two products per (query, key) pair of every head: Q.K^T over the head
/// dimension and P.V over the value dimension, as the fused kernels do
/// them; causal masking is not subtracted (the math kernels compute the
/// masked half too).
static double attentionFlops(Value query, Value key, Value value) {
  auto q = cast<ShapedType>(query.getType());
  auto k = cast<ShapedType>(key.getType());
  auto v = cast<ShapedType>(value.getType());
  double pairs =
      elementCount(q) / q.getShape().back() * k.getShape()[k.getRank() - 2];
  return 2 * pairs * (q.getShape().back() + v.getShape().back());
}

double AttentionOp::getFlops() {
  return attentionFlops(getQuery(), getKey(), getValue());
}
bool AttentionOp::usesMatrixUnits() { return true; }

// The backward recomputes the probabilities (Q.K^T) and takes four more
// products: dV, dP, dQ and dK: 2.5 times the forward's two. With equal
// head sizes the CPU kernel is ATen's fused one (dsc::rt::fusedAttention),
// which first runs the fused forward again for its log-sum-exp: 3.5 times.
// A soft-capped one, one with sinks, a fill or the bias's gradient, runs
// the composite form (kernels/Attention.cpp blockedAttention): 2.5 times.
double AttentionGradOp::getFlops() {
  bool fused = !getSoftcap() && !getSinks() && !getFill() && !getGradBias() &&
               cast<ShapedType>(getQuery().getType()).getShape().back() ==
                   cast<ShapedType>(getValue().getType()).getShape().back();
  return (fused ? 3.5 : 2.5) * attentionFlops(getQuery(), getKey(), getValue());
}
bool AttentionGradOp::usesMatrixUnits() { return true; }

// A gather: no arithmetic, and only the rows it picks are read.
double EmbeddingOp::getFlops() { return 0; }
double EmbeddingOp::getBytesRead() {
  return cost::byteCount(getIndices().getType()) + cost::byteCount(getType());
}

// A view of its operand's bytes.
double ReshapeOp::getFlops() { return 0; }
double ReshapeOp::getBytesRead() { return 0; }
double ReshapeOp::getBytesWritten() { return 0; }

// torch.optim.AdamW's step per element: two moment updates, the bias
// corrections, a square root, a division, the decay and the update.
double AdamWUpdateOp::getFlops() { return 12 * elementCount(getType(0)); }
double SgdUpdateOp::getFlops() { return 4 * elementCount(getType(0)); }

// Parameter-sized tensors an update reads and writes. Fused: each operand
// once, each result once. The for-loop form (kernels/Gradient.cpp) makes a
// pass per ATen op: AdamW's decay, the two moments (the gradient read by
// each, twice by addcmul), the denominator's sqrt, division and eps, and
// the addcdiv; SGD's decay, momentum and step.
static double parameterBytes(Operation *op) {
  return cost::byteCount(op->getResults().take_front(1).getTypes());
}
double AdamWUpdateOp::getBytesRead() {
  return getFused() ? cost::byteCount(getOperandTypes())
                    : 14 * parameterBytes(*this);
}
double AdamWUpdateOp::getBytesWritten() {
  return getFused() ? cost::byteCount(getResultTypes())
                    : 9 * parameterBytes(*this);
}
/// The for-loop SGD's passes, read and written: copying the decayed
/// gradient (or the buffer's momentum step) and the parameter's step.
static std::pair<double, double> sgdPasses(SgdUpdateOp op) {
  bool decay = op.getWeightDecay().convertToDouble() != 0;
  bool momentum = op.getMomentum().convertToDouble() != 0;
  double read = (decay ? 2 : 0) + (momentum ? 3 : 1) + 2;
  double written = (decay ? 1 : 0) + (momentum ? 2 : 1) + 1;
  return {read, written};
}
double SgdUpdateOp::getBytesRead() {
  if (getFused() && getMomentum().convertToDouble() != 0)
    return cost::byteCount(getOperandTypes());
  return sgdPasses(*this).first * parameterBytes(*this);
}
double SgdUpdateOp::getBytesWritten() {
  if (getFused() && getMomentum().convertToDouble() != 0)
    return cost::byteCount(getResultTypes());
  return sgdPasses(*this).second * parameterBytes(*this);
}

// A region costs what its ops cost.
template <double (CostOpInterface::*method)()>
static double sumOverBody(RecomputeOp op) {
  double total = 0;
  for (Operation &inner : op.getBody().front())
    if (auto cost = dyn_cast<CostOpInterface>(&inner))
      total += (cost.*method)();
  return total;
}
double RecomputeOp::getFlops() {
  return sumOverBody<&CostOpInterface::getFlops>(*this);
}
double RecomputeOp::getBytesRead() {
  return sumOverBody<&CostOpInterface::getBytesRead>(*this);
}
double RecomputeOp::getBytesWritten() {
  return sumOverBody<&CostOpInterface::getBytesWritten>(*this);
}
double YieldOp::getFlops() { return 0; }
double YieldOp::getBytesRead() { return 0; }
double YieldOp::getBytesWritten() { return 0; }
double ReloadOp::getFlops() { return 0; }
double OffloadOp::getFlops() { return 0; }
double WaitOp::getFlops() { return 0; }
double WaitOp::getBytesRead() { return 0; }
double WaitOp::getBytesWritten() { return 0; }
