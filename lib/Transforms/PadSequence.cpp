//===- PadSequence.cpp - -ds-pad-sequence ---------------------------------===//

#include "PartitionInputs.h"
#include "SequencePadding.h"

#include "dsc/Transforms/Passes.h"

namespace dsc {
#define GEN_PASS_DEF_PADSEQUENCEPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

struct PadSequencePass : dsc::impl::PadSequencePassBase<PadSequencePass> {
  using PadSequencePassBase::PadSequencePassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> maybeStep = dsc::stepForMesh(module, dp, sp);
    if (failed(maybeStep))
      return signalPassFailure();
    func::FuncOp step = *maybeStep;
    if (sp == 1 || !step)
      return;
    FailureOr<SmallVector<dsc::SplitInput>> splitInputs =
        dsc::findSplitInputs(module, step, seqDims, batchDims,
                             /*bothSplit=*/dp > 1 && sp > 1);
    if (failed(splitInputs))
      return signalPassFailure();
    SmallVector<dsc::SequencePad> pads;
    for (const dsc::SplitInput &input : *splitInputs) {
      auto type = cast<RankedTensorType>(input.arg.getType());
      if (input.splitSeq && input.seq < type.getRank() &&
          type.getDimSize(input.seq) % sp != 0)
        pads.push_back({input.arg, input.seq,
                        static_cast<int64_t>(
                            llvm::divideCeil(type.getDimSize(input.seq), sp)) *
                            sp});
    }
    if (failed(dsc::padSequence(step, pads)))
      signalPassFailure();
  }
};

} // namespace
