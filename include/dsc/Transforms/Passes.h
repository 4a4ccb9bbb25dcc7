//===- Passes.h - dsc passes and pipelines ----------------------*- C++ -*-===//

#ifndef DSC_TRANSFORMS_PASSES_H
#define DSC_TRANSFORMS_PASSES_H

#include "dsc/Dialect/DS/IR/DSDialect.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace dsc {

#define GEN_PASS_DECL
#include "dsc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dsc/Transforms/Passes.h.inc"

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

/// Import clean-up: canonicalize, recognise attention, then canonicalize and
/// CSE again so that masks and other dead constants disappear.
void addImportCleanupPipeline(mlir::OpPassManager &pm);

/// Registers every dsc pass and pipeline with the command line.
void registerAllPassesAndPipelines();

} // namespace dsc

#endif // DSC_TRANSFORMS_PASSES_H
