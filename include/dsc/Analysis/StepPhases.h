//===- StepPhases.h - forward, backward and optimizer of a step -*- C++ -*-===//
//
// Which phase of a training step each op belongs to, by data flow alone:
//  - forward: what the loss depends on;
//  - backward: what the gradients the optimizer reads depend on, beyond the
//    forward (recomputed activations included);
//  - optimizer: everything else (the updates and what only they read).
// No pass has to keep a mark on the ops it creates: collectives a
// partitioner inserts belong to the phase of what they feed.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_STEPPHASES_H
#define DSC_ANALYSIS_STEPPHASES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringRef.h"

namespace dsc {

enum class StepPhase { Forward, Backward, Optimizer };

llvm::StringRef stringifyStepPhase(StepPhase phase);

/// The phase of every op in the body of `trainStep` (a `train_step`: the
/// result with `ds.role = "loss"` is the loss; ops with
/// OptimizerUpdateOpInterface read the gradients). Fails, with a
/// diagnostic, when the step returns no loss.
llvm::FailureOr<llvm::DenseMap<mlir::Operation *, StepPhase>>
computePhases(mlir::func::FuncOp trainStep);

} // namespace dsc

#endif // DSC_ANALYSIS_STEPPHASES_H
