//===- Pipelines.cpp - dsc pass pipelines and their registration ----------===//

#include "dsc/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void dsc::addImportCleanupPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createRecognizeAttentionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void dsc::addShardingPipeline(OpPassManager &pm,
                              const SequenceParallelOptions &options) {
  PropagateShardingPassOptions propagate;
  propagate.dp = options.dp;
  propagate.sp = options.sp;
  propagate.seqDims = options.seqDims;
  propagate.batchDims = options.batchDims;
  if (options.dp * options.sp > 1) {
    pm.addPass(createDecomposeMeanLossPass());
    pm.addPass(createPadAttentionHeadsPass({options.sp}));
    PadSequencePassOptions pad;
    pad.dp = options.dp;
    pad.sp = options.sp;
    pad.seqDims = options.seqDims;
    pad.batchDims = options.batchDims;
    pm.addPass(createPadSequencePass(pad));
  }
  pm.addPass(createPropagateShardingPass(propagate));
  if (options.zero != 0)
    pm.addPass(createZeroPass(
        {options.zero, options.zeroPrefetch, options.zeroKeepWhole}));
  pm.addPass(createPartitionPass());
}

void dsc::addSequenceParallelPipeline(OpPassManager &pm,
                                      const SequenceParallelOptions &options) {
  addShardingPipeline(pm, options);
  pm.addPass(createTrimAllToAllPass());
  pm.addPass(createFuseAllToAllPass());
}

void dsc::registerAllPassesAndPipelines() {
  registerDSCPasses();
  PassPipelineRegistration<>(
      "ds-import-cleanup",
      "The clean-up ds-import runs: canonicalize, recognise attention, "
      "canonicalize, CSE",
      [](OpPassManager &pm) { addImportCleanupPipeline(pm); });
  PassPipelineRegistration<SequenceParallelOptions>(
      "ds-shard",
      "Split a training step over a dp x sp mesh, pass by pass: "
      "ds-decompose-mean-loss, ds-pad-attention-heads, ds-pad-sequence (with "
      "more than one rank), ds-propagate-sharding, ds-zero (with zero > 0), "
      "ds-partition",
      [](OpPassManager &pm, const SequenceParallelOptions &options) {
        addShardingPipeline(pm, options);
      });
  PassPipelineRegistration<SequenceParallelOptions>(
      "ds-sequence-parallel",
      "Data and sequence (Ulysses) parallelism as ds-compile --dp --sp runs "
      "it: ds-shard, ds-trim-all-to-all, then ds-fuse-all-to-all",
      [](OpPassManager &pm, const SequenceParallelOptions &options) {
        addSequenceParallelPipeline(pm, options);
      });
}
