//===- DSVJPUtils.cpp - the VJP interface and its shared helpers ----------===//
//
// The generated `VJPOpInterface` definitions and the helpers that the rules
// in DSVJPElementwise.cpp, DSVJPNeural.cpp and DSVJPShape.cpp share.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::ds;

#include "dsc/Dialect/DS/IR/DSInterfaces.cpp.inc"

bool vjp::isDifferentiable(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

Value vjp::createScalar(OpBuilder &builder, Location loc, Type elementType,
                        double value) {
  return createSplat(builder, loc, RankedTensorType::get({}, elementType),
                     value);
}

Value vjp::createScalarLike(OpBuilder &builder, Location loc, Value like,
                            double value) {
  return createScalar(builder, loc,
                      cast<RankedTensorType>(like.getType()).getElementType(),
                      value);
}

Value vjp::createSplat(OpBuilder &builder, Location loc, RankedTensorType type,
                       double value) {
  Type elementType = type.getElementType();
  Attribute scalar = isa<FloatType>(elementType)
                         ? Attribute(builder.getFloatAttr(elementType, value))
                         : Attribute(builder.getIntegerAttr(
                               elementType, static_cast<int64_t>(value)));
  auto attr = DenseElementsAttr::get(type, scalar);
  return ConstantOp::create(builder, loc, type, attr);
}

Value vjp::sumToShape(OpBuilder &builder, Location loc, Value grad,
                      RankedTensorType target) {
  auto type = cast<RankedTensorType>(grad.getType());
  ArrayRef<int64_t> from = type.getShape(), to = target.getShape();
  if (from == to)
    return grad;
  assert(from.size() >= to.size() && "gradient of lower rank than operand");
  int64_t offset = from.size() - to.size();
  // Dimensions that broadcasting created or expanded from size 1; summing
  // over size-1 dimensions is a no-op, the reshape below drops them.
  SmallVector<int64_t> dims;
  for (int64_t d = 0, e = from.size(); d < e; ++d)
    if (from[d] != 1 && (d < offset || to[d - offset] == 1))
      dims.push_back(d);
  Value summed = grad;
  if (!dims.empty())
    summed = SumOp::create(builder, loc, grad, dims, /*keepdim=*/true);
  return ReshapeOp::create(
      builder, loc, RankedTensorType::get(to, type.getElementType()), summed);
}
