//===- PlanEmitter.h - dsrt step to plan ------------------------*- C++ -*-===//

#ifndef DSC_TARGET_PLANEMITTER_H
#define DSC_TARGET_PLANEMITTER_H

#include "dsc/Runtime/Plan.h"

#include "mlir/IR/BuiltinOps.h"

namespace dsc {

/// Serialises the `dsrt` step function `@step` of `module` into a plan.
/// Emits an error at the offending op and fails on anything the plan cannot
/// express.
mlir::FailureOr<rt::Plan> emitPlan(mlir::ModuleOp module);

} // namespace dsc

#endif // DSC_TARGET_PLANEMITTER_H
