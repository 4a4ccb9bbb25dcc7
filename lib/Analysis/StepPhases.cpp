//===- StepPhases.cpp - forward, backward and optimizer of a step ---------===//

#include "dsc/Analysis/StepPhases.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/Analysis/SliceAnalysis.h"

using namespace mlir;

StringRef dsc::stringifyStepPhase(StepPhase phase) {
  switch (phase) {
  case StepPhase::Forward:
    return "forward";
  case StepPhase::Backward:
    return "backward";
  case StepPhase::Optimizer:
    return "optimizer";
  }
  llvm_unreachable("unknown phase");
}

FailureOr<DenseMap<Operation *, dsc::StepPhase>>
dsc::computePhases(func::FuncOp trainStep) {
  Block &body = trainStep.front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Value loss;
  for (auto [i, value] : llvm::enumerate(ret.getOperands()))
    if (auto role = trainStep.getResultAttrOfType<StringAttr>(
            i, ds::DSDialect::kRoleAttr);
        role && role.getValue() == "loss")
      loss = value;
  if (!loss)
    return trainStep.emitError() << "returns no value with ds.role = \"loss\"";

  // Everything `roots` depend on, within the step's body.
  BackwardSliceOptions options;
  options.omitBlockArguments = true;
  auto dependencies = [&](ArrayRef<Value> roots) {
    SetVector<Operation *> slice;
    for (Value root : roots) {
      if (Operation *def = root.getDefiningOp()) {
        (void)getBackwardSlice(def, &slice, options);
        slice.insert(def);
      }
    }
    return slice;
  };
  SetVector<Operation *> forward = dependencies(loss);
  SmallVector<Value> gradients;
  for (Operation &op : body)
    if (auto update = dyn_cast<ds::OptimizerUpdateOpInterface>(&op))
      gradients.push_back(update.getGrad());
  SetVector<Operation *> backward = dependencies(gradients);

  DenseMap<Operation *, StepPhase> phases;
  for (Operation &op : body.without_terminator())
    phases[&op] = forward.contains(&op)    ? StepPhase::Forward
                  : backward.contains(&op) ? StepPhase::Backward
                                           : StepPhase::Optimizer;
  return phases;
}
