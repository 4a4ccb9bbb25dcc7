//===- DSAttrs.h - ds dialect attributes ------------------------*- C++ -*-===//

#ifndef DSC_DIALECT_DS_IR_DSATTRS_H
#define DSC_DIALECT_DS_IR_DSATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "dsc/Dialect/DS/IR/DSEnums.h.inc"

#include "llvm/ADT/Hashing.h"

namespace mlir::ds {

/// A mesh axis over which a sharded value is a partial result, and how the
/// ranks' values combine (`#ds.sharding<..., partial = {"sp": sum}>`).
struct PartialAxis {
  StringAttr axis;
  ReductionKind kind;
  bool operator==(const PartialAxis &other) const {
    return axis == other.axis && kind == other.kind;
  }
};

inline llvm::hash_code hash_value(const PartialAxis &p) {
  return llvm::hash_combine(p.axis, static_cast<int>(p.kind));
}

} // namespace mlir::ds

#define GET_ATTRDEF_CLASSES
#include "dsc/Dialect/DS/IR/DSAttrs.h.inc"

#endif // DSC_DIALECT_DS_IR_DSATTRS_H
