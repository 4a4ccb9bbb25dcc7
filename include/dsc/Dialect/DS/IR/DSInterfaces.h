//===- DSInterfaces.h - ds op interfaces ------------------------*- C++ -*-===//
//
// The op interfaces of the ds dialect, and the helpers their implementations
// share.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_DSINTERFACES_H
#define DSC_DIALECT_DS_IR_DSINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

#include "dsc/Dialect/DS/IR/ShardingRule.h"

namespace mlir::ds {

/// The values an index may hold: [lo, hi), and `also` besides (a loss's
/// ignore_index).
struct IndexRange {
  int64_t lo = 0;
  int64_t hi = 0;
  std::optional<int64_t> also;

  bool contains(int64_t v) const { return (v >= lo && v < hi) || also == v; }
  /// The values both accept.
  IndexRange intersect(const IndexRange &other) const;
  bool operator==(const IndexRange &o) const {
    return lo == o.lo && hi == o.hi && also == o.also;
  }
};

namespace cost {
/// Elements of the largest operand or result of `op`.
double largestElementCount(Operation *op);
/// Bytes of tensors of `types` (a byte per boolean, as LibTorch stores it).
double byteCount(TypeRange types);
} // namespace cost

} // namespace mlir::ds

#include "dsc/Dialect/DS/IR/DSInterfaces.h.inc"

namespace mlir::ds::vjp {

/// Returns true if gradients flow through values of `type`: float tensors.
bool isDifferentiable(Type type);

/// Creates a 0-d constant of `elementType` holding `value`; the broadcasting
/// elementwise ops combine it with a tensor of any shape.
Value createScalar(OpBuilder &builder, Location loc, Type elementType,
                   double value);

/// Creates a 0-d constant of `like`'s element type holding `value`.
Value createScalarLike(OpBuilder &builder, Location loc, Value like,
                       double value);

/// Creates a constant of `type` holding `value` everywhere (truncated toward
/// zero for integer element types).
Value createSplat(OpBuilder &builder, Location loc, RankedTensorType type,
                  double value);

/// Sums `grad`, the gradient of a value broadcast from `target`'s shape by
/// the NumPy rule, over the broadcast dimensions and reshapes it to `target`.
/// Returns `grad` itself when the shapes already agree.
Value sumToShape(OpBuilder &builder, Location loc, Value grad,
                 RankedTensorType target);

} // namespace mlir::ds::vjp

#endif // DSC_DIALECT_DS_IR_DSINTERFACES_H
