//===- StepReport.h - what a compiled step costs, as JSON -------*- C++ -*-===//

#ifndef DSC_TARGET_STEPREPORT_H
#define DSC_TARGET_STEPREPORT_H

#include "dsc/Runtime/Plan.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace dsc {

/// The report of the `dsrt` step `@step` of `module`, emitted as `plan`:
/// planned arena bytes (the peak), persistent bytes by kind, instruction
/// counts by kernel, the mesh, and every collective (a kernel that runs on
/// a mesh) with its phase (as the IR records it) and the bytes it moves per
/// step on each rank (docs/collectives.md). Fails, with a diagnostic, when
/// the plan's instructions are not the step's kernels.
mlir::FailureOr<llvm::json::Value> reportStep(mlir::ModuleOp module,
                                              const rt::Plan &plan);

} // namespace dsc

#endif // DSC_TARGET_STEPREPORT_H
