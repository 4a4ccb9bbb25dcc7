//===- OpTime.cpp - an op's planned time on the cost model ----------------===//

#include "dsc/Analysis/OpTime.h"
#include "dsc/Dialect/DS/IR/DSOps.h"

double dsc::plannedSeconds(const Hardware &hardware, mlir::Operation *op) {
  auto cost = llvm::dyn_cast<mlir::ds::CostOpInterface>(op);
  if (!cost)
    return 0.0;
  auto update = llvm::dyn_cast<mlir::ds::OptimizerUpdateOpInterface>(op);
  return kernelTime(hardware, cost.getFlops(),
                    cost.getBytesRead() + cost.getBytesWritten(),
                    cost.usesMatrixUnits(), update && update.getOnHost())
      .seconds;
}
