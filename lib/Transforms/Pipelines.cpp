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

void dsc::addSequenceParallelPipeline(OpPassManager &pm,
                                      const SequenceParallelOptions &options) {
  PartitionPassOptions partition;
  partition.dp = options.dp;
  partition.sp = options.sp;
  partition.seqDims = options.seqDims;
  partition.batchDims = options.batchDims;
  pm.addPass(createPartitionPass(partition));
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
      "ds-sequence-parallel",
      "Data and sequence (Ulysses) parallelism as ds-compile --dp --sp runs "
      "it: ds-partition, ds-trim-all-to-all, then ds-fuse-all-to-all",
      [](OpPassManager &pm, const SequenceParallelOptions &options) {
        addSequenceParallelPipeline(pm, options);
      });
}
