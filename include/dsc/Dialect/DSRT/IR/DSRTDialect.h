//===- DSRTDialect.h - the dsrt runtime dialect -----------------*- C++ -*-===//

#ifndef DSC_DIALECT_DSRT_IR_DSRTDIALECT_H
#define DSC_DIALECT_DSRT_IR_DSRTDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dsc/Dialect/DSRT/IR/DSRTDialect.h.inc"
#include "dsc/Dialect/DSRT/IR/DSRTEnums.h.inc"

#define GET_OP_CLASSES
#include "dsc/Dialect/DSRT/IR/DSRTOps.h.inc"

#endif // DSC_DIALECT_DSRT_IR_DSRTDIALECT_H
