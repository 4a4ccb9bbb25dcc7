//===- TrainingPipeline.cpp - what ds-compile runs ------------------------===//

#include "dsc/Pipelines/TrainingPipeline.h"

#include "dsc/Conversion/Passes.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void dsc::addStepPipeline(OpPassManager &pm,
                          const TrainingPipelineOptions &options) {
  AutodiffPassOptions autodiff;
  autodiff.optimizer = options.optimizer;
  autodiff.lr = options.lr;
  autodiff.beta1 = options.beta1;
  autodiff.beta2 = options.beta2;
  autodiff.eps = options.eps;
  autodiff.weightDecay = options.weightDecay;
  autodiff.momentum = options.momentum;
  autodiff.fused = options.fusedOptimizer;
  autodiff.maxGradNorm = options.clipGradNorm;
  autodiff.lrSchedule = options.lrSchedule;
  autodiff.warmupSteps = options.warmupSteps;
  autodiff.totalSteps = options.totalSteps;
  autodiff.minLrRatio = options.minLrRatio;
  pm.addPass(createAutodiffPass(autodiff));
  pm.addPass(createInputRangesPass());
  // With one rank the sharding passes only check the names in seq-dims and
  // batch-dims.
  if (options.dp > 1 || options.sp > 1 || !options.seqDims.empty() ||
      !options.batchDims.empty()) {
    addSequenceParallelPipeline(pm, options);
    BucketCollectivesPassOptions buckets;
    buckets.parameterGathers = options.zeroCoalesce;
    buckets.reduceScatters = options.zeroCoalesceGradients;
    pm.addPass(createBucketCollectivesPass(buckets));
  }
  OffloadPassOptions offload;
  offload.optimizer = options.offloadOptimizer;
  offload.params = options.offloadParams;
  offload.activations = options.offloadActivations;
  offload.activationMinBytes = options.offloadActivationMinBytes;
  pm.addPass(createOffloadPass(offload));
  if (options.hostUpdates)
    pm.addPass(createHostUpdatesPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void dsc::addLoweringPipeline(OpPassManager &pm,
                              const TrainingPipelineOptions &options,
                              ArrayRef<std::string> layers) {
  // After CSE: the regions it adds would otherwise be merged back.
  if (options.ac != "none" || !layers.empty()) {
    ActivationCheckpointPassOptions checkpoint;
    checkpoint.policy = options.ac;
    checkpoint.layers.assign(layers.begin(), layers.end());
    pm.addPass(createActivationCheckpointPass(checkpoint));
  }
  if (options.schedule)
    pm.addPass(createSchedulePass());
  if (options.overlapUpdates) {
    OverlapUpdatesPassOptions updates;
    updates.hardware = options.hardware;
    updates.onHostOnly = options.overlapOnHostOnly;
    pm.addPass(createOverlapUpdatesPass(updates));
  }
  PlaceTransfersPassOptions transfers;
  transfers.hardware = options.hardware;
  transfers.overlap = options.overlapTransfers;
  transfers.inFlightBytes = options.transferBudget;
  pm.addPass(createPlaceTransfersPass(transfers));
  pm.addPass(createLowerToRuntimePass());
}

void dsc::addTrainingPipeline(OpPassManager &pm,
                              const TrainingPipelineOptions &options) {
  addStepPipeline(pm, options);
  addLoweringPipeline(pm, options);
}

void dsc::registerTrainingPipeline() {
  PassPipelineRegistration<TrainingPipelineOptions>(
      "ds-training-pipeline",
      "What ds-compile runs, from a forward loss function to the lowered "
      "dsrt step: ds-autodiff, ds-sequence-parallel and ds-bucket-collectives "
      "(with more than one rank), canonicalize, cse, "
      "ds-activation-checkpoint (with ac other than none), ds-schedule "
      "(unless schedule=false), ds-place-transfers, ds-lower-to-runtime",
      [](OpPassManager &pm, const TrainingPipelineOptions &options) {
        addTrainingPipeline(pm, options);
      });
}
