//===- DSAttrs.h - ds dialect attributes ------------------------*- C++ -*-===//

#ifndef DSC_DIALECT_DS_IR_DSATTRS_H
#define DSC_DIALECT_DS_IR_DSATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "dsc/Dialect/DS/IR/DSEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dsc/Dialect/DS/IR/DSAttrs.h.inc"

#endif // DSC_DIALECT_DS_IR_DSATTRS_H
