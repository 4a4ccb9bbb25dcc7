//===- DSRTOps.cpp - the dsrt runtime dialect -----------------------------===//

#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"
#include "dsc/Dialect/MeshAxes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::dsrt;

#include "dsc/Dialect/DSRT/IR/DSRTDialect.cpp.inc"
#include "dsc/Dialect/DSRT/IR/DSRTEnums.cpp.inc"

void DSRTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dsc/Dialect/DSRT/IR/DSRTOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "dsc/Dialect/DSRT/IR/DSRTOps.cpp.inc"

LogicalResult ArenaBufferOp::verify() {
  // I64Attr's accessor is unsigned: read the attribute's signed value.
  if (getOffsetAttr().getInt() < 0)
    return emitOpError() << "offset must be non-negative";
  if (!getType().hasStaticShape())
    return emitOpError() << "needs a static shape";
  return success();
}

LogicalResult ConstantOp::verify() {
  auto type = cast<ShapedType>(getValue().getType());
  if (type.getShape() != getType().getShape() ||
      type.getElementType() != getType().getElementType())
    return emitOpError() << "value of type " << type
                         << " does not fit the buffer " << getType();
  return success();
}

LogicalResult MeshOp::verify() {
  return dsc::verifyMeshAxes(getAxisNames(), getAxisSizes(),
                             [&] { return emitOpError(); });
}

/// A `dsrt` op holds `dsrt` and builtin attributes only: what another
/// dialect's attribute means is not the plan's to know.
static LogicalResult verifyOnlyBuiltin(Operation *op, StringRef what,
                                       ArrayRef<NamedAttribute> attrs) {
  for (NamedAttribute attr : attrs) {
    Dialect *dialect = &attr.getValue().getDialect();
    if (!isa<BuiltinDialect>(dialect))
      return op->emitOpError()
             << what << " '" << attr.getName().getValue()
             << "' belongs to the '" << dialect->getNamespace()
             << "' dialect; dsrt holds builtin attributes only";
  }
  return success();
}

LogicalResult PersistentOp::verify() {
  int64_t rank = getType().getRank();
  if (std::optional<ArrayAttr> split = getSplit()) {
    if (static_cast<int64_t>(split->size()) != rank)
      return emitOpError() << "split has " << split->size()
                           << " entries for a buffer of rank " << rank;
    llvm::StringSet<> seen;
    for (StringRef axis : split->getAsValueRange<StringAttr>())
      if (!axis.empty() && !seen.insert(axis).second)
        return emitOpError()
               << "axis \"" << axis << "\" splits more than one dimension";
  }
  if (std::optional<ArrayRef<int64_t>> shape = getDataShape()) {
    // A parameter's (or its copy's) flat piece: data_shape is the whole
    // parameter's shape.
    bool piece = getKind() == StorageKind::Parameter || getCopyOf();
    if (piece && (rank != 1 || getSplit()))
      return emitOpError() << "a parameter or a copy with a data_shape is a "
                              "flat piece: a 1-D buffer without split";
    if (!piece && static_cast<int64_t>(shape->size()) != rank)
      return emitOpError() << "data_shape has " << shape->size()
                           << " entries for a buffer of rank " << rank;
    if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
      return emitOpError() << "data_shape entries must be >= 0";
  }
  if (std::optional<ArrayRef<int64_t>> range = getValidRange()) {
    if (getKind() != StorageKind::Input ||
        !isa<IntegerType>(getType().getElementType()))
      return emitOpError() << "valid_range is for integer inputs";
    if ((range->size() != 2 && range->size() != 3) || (*range)[0] > (*range)[1])
      return emitOpError()
             << "valid_range must be [lo, hi] or [lo, hi, also], lo <= hi";
  }
  if (getCopyOf() && (getKind() != StorageKind::State ||
                      !isa<FloatType>(getType().getElementType())))
    return emitOpError() << "only floating-point state can start as a copy "
                            "of a parameter";
  if (std::optional<StringRef> space = getSpace())
    if ((*space != "nvme" && *space != "cpu") ||
        getKind() == StorageKind::Input)
      return emitOpError() << "only parameters and state can be kept in a "
                              "memory space, \"cpu\" or \"nvme\"";
  return verifyOnlyBuiltin(*this, "attribute",
                           llvm::to_vector((*this)->getDiscardableAttrs()));
}

LogicalResult KernelOp::verify() {
  if (getKernelAttrs().contains("mesh"))
    return emitOpError() << "names its mesh in kernel_attrs; a collective "
                            "runs `on @mesh`";
  return verifyOnlyBuiltin(*this, "kernel attribute",
                           getKernelAttrs().getValue());
}

LogicalResult KernelOp::verifySymbolUses(SymbolTableCollection &symbols) {
  std::optional<StringRef> mesh = getMesh();
  if (mesh && !symbols.lookupNearestSymbolFrom<MeshOp>(*this, getMeshAttr()))
    return emitOpError() << "runs on @" << *mesh << ", which is no dsrt.mesh";
  return success();
}

LogicalResult GradientOp::verify() {
  auto param = cast<ShapedType>(getParameter().getType());
  auto grad = cast<ShapedType>(getGradient().getType());
  if (param.getShape() == grad.getShape() ||
      (grad.getRank() == 1 && grad.getNumElements() <= param.getNumElements()))
    return success();
  return emitOpError() << "has a gradient of type " << grad
                       << ", neither the parameter's shape nor a flat piece "
                          "of it";
}
