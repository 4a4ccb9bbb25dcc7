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

#include <optional>
#include <string>

namespace mlir::ds {
/// Checks the options of an attention, forward or backward, with `query`
/// [B, Hq, S, D] and `key` [B, Hkv, Skv, D]: that `bias` (null if absent)
/// broadcasts to [B, Hq, S, Skv] in the query's element type, that `window`
/// is at least 1 and comes with `causal`, and that `keyLength` lies in
/// [1, Skv]. Returns what is wrong, or an empty string.
std::string checkAttentionOptions(RankedTensorType query, RankedTensorType key,
                                  RankedTensorType bias, bool causal,
                                  std::optional<int64_t> window,
                                  std::optional<int64_t> keyLength);
} // namespace mlir::ds

#endif // DSC_DIALECT_DS_IR_DSOPS_H
