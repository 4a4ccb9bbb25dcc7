//===- DSDialect.cpp - the ds dialect -------------------------------------===//

#include "dsc/Dialect/DS/IR/DSDialect.h"
#include "dsc/Dialect/DS/IR/DSOps.h"

using namespace mlir;
using namespace mlir::ds;

#include "dsc/Dialect/DS/IR/DSDialect.cpp.inc"

void DSDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dsc/Dialect/DS/IR/DSOps.cpp.inc"
      >();
  registerAttributes();
}

Operation *DSDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
