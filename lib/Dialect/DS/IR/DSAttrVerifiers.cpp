//===- DSAttrVerifiers.cpp - the ds.* attributes on other ops -------------===//
//
// The discardable attributes the ds dialect defines, and what each holds.
// Any other `ds.*` name is an error: a misspelt `ds.trainabel` on an
// argument would otherwise leave the parameter untrained without a word.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSDialect.h"
#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::ds;

namespace {

/// What kind of value an attribute must hold.
enum class Expect {
  Unit,
  String,
  Role,
  Updates,
  Sharding,
  Shardings,
  Shape,
  Range,
  MemorySpace
};

/// Checks `attr` against `expect`; `roles` are the roles allowed there.
LogicalResult check(Operation *op, NamedAttribute attr, Expect expect,
                    ArrayRef<StringRef> roles, StringRef where) {
  StringRef name = attr.getName().getValue();
  auto wrong = [&](StringRef what) {
    return op->emitOpError()
           << where << " attribute '" << name << "' must be " << what;
  };
  Attribute value = attr.getValue();
  switch (expect) {
  case Expect::Unit:
    return isa<UnitAttr>(value) ? success() : wrong("a unit attribute");
  case Expect::String:
  case Expect::Updates: {
    auto text = dyn_cast<StringAttr>(value);
    return text && !text.getValue().empty() ? success()
                                            : wrong("a non-empty string");
  }
  case Expect::Role: {
    auto text = dyn_cast<StringAttr>(value);
    if (text && llvm::is_contained(roles, text.getValue()))
      return success();
    std::string allowed;
    for (StringRef role : roles)
      allowed += (allowed.empty() ? "\"" : ", \"") + role.str() + "\"";
    return wrong("one of " + allowed);
  }
  case Expect::Sharding:
    return isa<ShardingAttr>(value) ? success() : wrong("a #ds.sharding");
  case Expect::Shardings: {
    auto list = dyn_cast<ArrayAttr>(value);
    return list && list.size() == op->getNumResults() &&
                   llvm::all_of(
                       list, [](Attribute a) { return isa<ShardingAttr>(a); })
               ? success()
               : wrong("an array of one #ds.sharding per result");
  }
  case Expect::Shape:
    return isa<DenseI64ArrayAttr>(value) ? success()
                                         : wrong("an array<i64: ...>");
  case Expect::MemorySpace: {
    auto text = dyn_cast<StringAttr>(value);
    return text && (text.getValue() == "nvme" || text.getValue() == "cpu")
               ? success()
               : wrong("\"cpu\" or \"nvme\"");
  }
  case Expect::Range: {
    auto range = dyn_cast<DenseI64ArrayAttr>(value);
    return range && (range.size() == 2 || range.size() == 3) &&
                   range[0] <= range[1]
               ? success()
               : wrong("array<i64: lo, hi> or array<i64: lo, hi, also> with "
                       "lo <= hi");
  }
  }
  return success();
}

/// The error for a `ds.*` name the dialect does not define.
LogicalResult unknown(Operation *op, NamedAttribute attr, StringRef where,
                      StringRef known) {
  return op->emitOpError() << "unknown " << where << " attribute '"
                           << attr.getName().getValue() << "' (known: " << known
                           << ")";
}

} // namespace

LogicalResult DSDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                  unsigned,
                                                  NamedAttribute attr) {
  std::optional<Expect> expect =
      llvm::StringSwitch<std::optional<Expect>>(attr.getName().getValue())
          .Case(DSDialect::kNameAttr, Expect::String)
          .Case(DSDialect::kTrainableAttr, Expect::Unit)
          .Case(DSDialect::kInputAttr, Expect::Unit)
          .Case(DSDialect::kRoleAttr, Expect::Role)
          .Case(DSDialect::kShardingAttr, Expect::Sharding)
          .Case(DSDialect::kDataShapeAttr, Expect::Shape)
          .Case(DSDialect::kValidRangeAttr, Expect::Range)
          .Case(DSDialect::kMemorySpaceAttr, Expect::MemorySpace)
          .Case(DSDialect::kCopyOfAttr, Expect::String)
          .Default(std::nullopt);
  if (!expect)
    return unknown(op, attr, "argument",
                   "ds.name, ds.trainable, ds.input, ds.role, ds.sharding, "
                   "ds.data_shape, ds.valid_range, ds.memory_space, "
                   "ds.copy_of");
  return check(op, attr, *expect, {"parameter", "state", "input"}, "argument");
}

LogicalResult DSDialect::verifyRegionResultAttribute(Operation *op, unsigned,
                                                     unsigned,
                                                     NamedAttribute attr) {
  std::optional<Expect> expect =
      llvm::StringSwitch<std::optional<Expect>>(attr.getName().getValue())
          .Case(DSDialect::kRoleAttr, Expect::Role)
          .Case(DSDialect::kUpdatesAttr, Expect::Updates)
          .Case(DSDialect::kShardingAttr, Expect::Sharding)
          .Default(std::nullopt);
  if (!expect)
    return unknown(op, attr, "result", "ds.role, ds.updates, ds.sharding");
  return check(op, attr, *expect, {"loss"}, "result");
}

LogicalResult DSDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  // The runtime buffers of split or padded inputs carry ds.sharding and
  // ds.data_shape; -ds-propagate-sharding writes ds.shardings.
  std::optional<Expect> expect =
      llvm::StringSwitch<std::optional<Expect>>(attr.getName().getValue())
          .Case(DSDialect::kShardingAttr, Expect::Sharding)
          .Case(DSDialect::kShardingsAttr, Expect::Shardings)
          .Case(DSDialect::kDataShapeAttr, Expect::Shape)
          .Default(std::nullopt);
  if (!expect)
    return unknown(op, attr, "discardable",
                   "ds.sharding, ds.shardings, ds.data_shape");
  return check(op, attr, *expect, {}, "discardable");
}
