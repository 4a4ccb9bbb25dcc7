//===- DSRTOps.cpp - the dsrt runtime dialect -----------------------------===//

#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::dsrt;

#include "dsc/Dialect/DSRT/IR/DSRTDialect.cpp.inc"
#include "dsc/Dialect/DSRT/IR/DSRTEnums.cpp.inc"

void DSRTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dsc/Dialect/DSRT/IR/DSRTOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "dsc/Dialect/DSRT/IR/DSRTOps.cpp.inc"

LogicalResult ArenaBufferOp::verify() {
  // I64Attr's accessor is unsigned: read the attribute's signed value.
  if (getOffsetAttr().getInt() < 0)
    return emitOpError() << "offset must be non-negative";
  if (!getType().hasStaticShape())
    return emitOpError() << "needs a static shape";
  return success();
}

LogicalResult ConstantOp::verify() {
  auto type = cast<ShapedType>(getValue().getType());
  if (type.getShape() != getType().getShape() ||
      type.getElementType() != getType().getElementType())
    return emitOpError() << "value of type " << type
                         << " does not fit the buffer " << getType();
  return success();
}
