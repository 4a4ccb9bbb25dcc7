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
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dsc/Dialect/DS/IR/DSOps.h.inc"

#include <optional>
#include <string>

namespace mlir::ds {
/// The value of an optional float attribute, if it is there.
inline std::optional<double> optionalDouble(FloatAttr attr) {
  return attr ? std::optional(attr.getValueAsDouble()) : std::nullopt;
}

/// Checks the operands and options of an attention, forward or backward
/// (the constraints listed in `ds.attention`'s description): `query`
/// [B, Hq, S, D], `key` [B, Hkv, Skv, D], `value` [B, Hkv, Skv, Dv], `bias`
/// (null if absent) broadcasting to [B, Hq, S, Skv], `sinks` (null if
/// absent) [Hq], `window`, `keyLength`, `scale`, `softcap` and `fill`.
/// Returns what is wrong, or an empty string.
std::string checkAttention(RankedTensorType query, RankedTensorType key,
                           RankedTensorType value, RankedTensorType bias,
                           RankedTensorType sinks, bool causal,
                           std::optional<int64_t> window,
                           std::optional<int64_t> keyLength, double scale,
                           std::optional<double> softcap,
                           std::optional<double> fill);

/// Rebuilds `op` without its bias gradient where nothing reads it (a bias
/// no trainable parameter reaches); fails where there is none or it is
/// read. -ds-autodiff calls it before the sharding passes see the step;
/// canonicalization too.
LogicalResult dropUnreadBiasGradient(RewriterBase &rewriter,
                                     AttentionGradOp op);

/// Whether `op` is work of the step's own thread that an optimizer update
/// marked `beside` overlaps (-ds-overlap-updates counts these): anything
/// but another update, a transfer, a wait or a reshape.
bool isOverlappedCompute(Operation *op);
} // namespace mlir::ds

#endif // DSC_DIALECT_DS_IR_DSOPS_H
