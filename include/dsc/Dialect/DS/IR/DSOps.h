//===- DSOps.h - ds dialect operations --------------------------*- C++ -*-===//

#ifndef DSC_DIALECT_DS_IR_DSOPS_H
#define DSC_DIALECT_DS_IR_DSOPS_H

#include "dsc/Dialect/DS/IR/DSAttrs.h"
#include "dsc/Dialect/DS/IR/DSDialect.h"
#include "dsc/Dialect/DS/IR/DSInterfaces.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dsc/Dialect/DS/IR/DSOps.h.inc"

#endif // DSC_DIALECT_DS_IR_DSOPS_H
