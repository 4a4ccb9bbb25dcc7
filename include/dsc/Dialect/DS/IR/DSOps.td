//===- DSOps.td - ds dialect operations --------------------*- tablegen -*-===//
//
// The ops are split by concern into the files included below; one TableGen
// run generates them all into DSOps.h.inc / DSOps.cpp.inc.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_DSOPS_TD
#define DSC_DIALECT_DS_IR_DSOPS_TD

include "dsc/Dialect/DS/IR/DSDialect.td"
include "dsc/Dialect/DS/IR/DSAttrs.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "dsc/Dialect/DS/IR/DSInterfaces.td"

include "dsc/Dialect/DS/IR/DSElementwiseOps.td"
include "dsc/Dialect/DS/IR/DSNeuralOps.td"
include "dsc/Dialect/DS/IR/DSShapeOps.td"
include "dsc/Dialect/DS/IR/DSCollectiveOps.td"
include "dsc/Dialect/DS/IR/DSGradientOps.td"
include "dsc/Dialect/DS/IR/DSRecomputeOps.td"
include "dsc/Dialect/DS/IR/DSMemoryOps.td"

#endif // DSC_DIALECT_DS_IR_DSOPS_TD
