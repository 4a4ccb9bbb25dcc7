//===- MeshAxes.h - the checks a mesh declaration must pass -----*- C++ -*-===//
//
// Shared by `ds.mesh` and `dsrt.mesh`, which declare the same thing at two
// levels.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_MESHAXES_H
#define DSC_DIALECT_MESHAXES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringSet.h"

namespace dsc {

/// At least one axis; as many names as sizes; names distinct and non-empty;
/// sizes >= 1. `emitError` starts the op's diagnostic.
inline mlir::LogicalResult
verifyMeshAxes(mlir::ArrayAttr names, llvm::ArrayRef<int64_t> sizes,
               llvm::function_ref<mlir::InFlightDiagnostic()> emitError) {
  if (names.empty())
    return emitError() << "needs at least one axis";
  if (names.size() != sizes.size())
    return emitError() << "has " << names.size() << " axis names but "
                       << sizes.size() << " sizes";
  llvm::StringSet<> seen;
  for (auto [name, size] :
       llvm::zip(names.getAsValueRange<mlir::StringAttr>(), sizes)) {
    if (name.empty())
      return emitError() << "axis names must not be empty";
    if (!seen.insert(name).second)
      return emitError() << "axis \"" << name << "\" is declared twice";
    if (size < 1)
      return emitError() << "axis \"" << name << "\" has size " << size
                         << "; sizes must be >= 1";
  }
  return mlir::success();
}

} // namespace dsc

#endif // DSC_DIALECT_MESHAXES_H
