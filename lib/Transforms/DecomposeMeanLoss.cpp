//===- DecomposeMeanLoss.cpp - -ds-decompose-mean-loss --------------------===//

#include "LossDecomposition.h"

#include "dsc/Transforms/Passes.h"

namespace dsc {
#define GEN_PASS_DEF_DECOMPOSEMEANLOSSPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

struct DecomposeMeanLossPass
    : dsc::impl::DecomposeMeanLossPassBase<DecomposeMeanLossPass> {
  void runOnOperation() override {
    if (auto step = getOperation().lookupSymbol<func::FuncOp>(
            mlir::ds::DSDialect::kTrainStepFunc))
      dsc::decomposeMeanLosses(step);
  }
};

} // namespace
