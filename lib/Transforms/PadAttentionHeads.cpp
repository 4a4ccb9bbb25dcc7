//===- PadAttentionHeads.cpp - -ds-pad-attention-heads --------------------===//

#include "AttentionHeads.h"

#include "dsc/Transforms/Passes.h"

namespace dsc {
#define GEN_PASS_DEF_PADATTENTIONHEADSPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

struct PadAttentionHeadsPass
    : dsc::impl::PadAttentionHeadsPassBase<PadAttentionHeadsPass> {
  using PadAttentionHeadsPassBase::PadAttentionHeadsPassBase;

  void runOnOperation() override {
    if (sp < 1) {
      getOperation().emitError() << "sp must be at least 1";
      return signalPassFailure();
    }
    if (sp == 1)
      return;
    if (auto step = getOperation().lookupSymbol<func::FuncOp>(
            mlir::ds::DSDialect::kTrainStepFunc))
      dsc::prepareAttentionHeads(step, sp);
  }
};

} // namespace
