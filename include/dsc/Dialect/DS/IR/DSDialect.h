//===- DSDialect.h - the ds dialect -----------------------------*- C++ -*-===//

#ifndef DSC_DIALECT_DS_IR_DSDIALECT_H
#define DSC_DIALECT_DS_IR_DSDIALECT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"

#include "dsc/Dialect/DS/IR/DSDialect.h.inc"

#endif // DSC_DIALECT_DS_IR_DSDIALECT_H
