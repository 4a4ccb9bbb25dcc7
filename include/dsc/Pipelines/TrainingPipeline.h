//===- TrainingPipeline.h - what ds-compile runs ----------------*- C++ -*-===//
//
// The training pipeline, from a forward loss function (ds-import) to the
// lowered dsrt step that the plan emitter writes: `ds-compile` builds it
// with addTrainingPipeline, and `ds-opt -ds-training-pipeline='...'` runs
// the very same passes.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINES_TRAININGPIPELINE_H
#define DSC_PIPELINES_TRAININGPIPELINE_H

#include "dsc/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace dsc {

/// The optimizer's options, and the mesh's as `-ds-sequence-parallel`
/// declares them (inherited, so that they are declared once).
struct TrainingPipelineOptions : public SequenceParallelOptions {
  Option<std::string> optimizer{*this, "optimizer",
                                llvm::cl::desc("adamw or sgd"),
                                llvm::cl::init("adamw")};
  Option<double> lr{*this, "lr", llvm::cl::desc("Learning rate"),
                    llvm::cl::init(1e-3)};
  Option<double> beta1{*this, "beta1",
                       llvm::cl::desc("AdamW's first moment decay"),
                       llvm::cl::init(0.9)};
  Option<double> beta2{*this, "beta2",
                       llvm::cl::desc("AdamW's second moment decay"),
                       llvm::cl::init(0.999)};
  Option<double> eps{*this, "eps",
                     llvm::cl::desc("AdamW's denominator epsilon"),
                     llvm::cl::init(1e-8)};
  Option<double> weightDecay{
      *this, "weight-decay",
      llvm::cl::desc("Weight decay (negative: the optimizer's default, 0.01 "
                     "for adamw as torch.optim.AdamW, 0 for sgd)"),
      llvm::cl::init(-1.0)};
  Option<double> momentum{*this, "momentum", llvm::cl::desc("SGD momentum"),
                          llvm::cl::init(0.0)};
  Option<bool> fusedOptimizer{
      *this, "fused-optimizer",
      llvm::cl::desc("Fused optimizer updates, as torch.optim's fused=True"),
      llvm::cl::init(false)};
  Option<std::string> lrSchedule{
      *this, "lr-schedule",
      llvm::cl::desc("Learning rate schedule: constant, linear or cosine"),
      llvm::cl::init("constant")};
  Option<int64_t> warmupSteps{
      *this, "warmup-steps",
      llvm::cl::desc("Steps of linear learning rate warm-up"),
      llvm::cl::init(0)};
  Option<int64_t> totalSteps{
      *this, "total-steps",
      llvm::cl::desc("Steps of the linear or cosine schedule"),
      llvm::cl::init(0)};
  Option<double> minLrRatio{
      *this, "min-lr-ratio",
      llvm::cl::desc("The cosine schedule's floor, a fraction of lr"),
      llvm::cl::init(0.0)};
  Option<double> clipGradNorm{
      *this, "clip-grad-norm",
      llvm::cl::desc("Clip the gradients to this global L2 norm, as "
                     "torch.nn.utils.clip_grad_norm_ (0: no clipping)"),
      llvm::cl::init(0.0)};
  Option<std::string> ac{
      *this, "ac",
      llvm::cl::desc("Activation checkpointing: none, selective or full "
                     "(-ds-activation-checkpoint)"),
      llvm::cl::init("none")};
  Option<bool> schedule{
      *this, "schedule",
      llvm::cl::desc("Order the step to lower its peak (-ds-schedule)"),
      llvm::cl::init(true)};
  Option<std::string> offloadOptimizer{
      *this, "offload-optimizer",
      llvm::cl::desc("Where the optimizer state lives between steps: none "
                     "(memory), cpu (host memory) or nvme (-ds-offload)"),
      llvm::cl::init("none")};
  Option<std::string> offloadParams{
      *this, "offload-params",
      llvm::cl::desc("Where the parameters live between their readers: "
                     "none (memory), cpu (host memory) or nvme (-ds-offload)"),
      llvm::cl::init("none")};
  Option<std::string> offloadActivations{
      *this, "offload-activations",
      llvm::cl::desc("Where saved activations wait for the backward: none "
                     "(memory), cpu (host memory) or nvme (-ds-offload)"),
      llvm::cl::init("none")};
  Option<int64_t> offloadActivationMinBytes{
      *this, "offload-activation-min-bytes",
      llvm::cl::desc("Offload only activations of at least this many bytes "
                     "(-ds-offload activation-min-bytes)"),
      llvm::cl::init(0)};
  Option<bool> overlapTransfers{
      *this, "overlap-transfers",
      llvm::cl::desc("Overlap offload transfers with compute "
                     "(-ds-place-transfers; false: wait at once)"),
      llvm::cl::init(true)};
  Option<int64_t> transferBudget{
      *this, "transfer-budget",
      llvm::cl::desc("Bytes of offload transfers in flight each way at most "
                     "(-ds-place-transfers in-flight-bytes; 0: twice the "
                     "largest transfer)"),
      llvm::cl::init(0)};
  Option<bool> hostUpdates{
      *this, "host-updates",
      llvm::cl::desc("Run the updates of state in host memory on the host "
                     "(-ds-host-updates)"),
      llvm::cl::init(false)};
  Option<bool> overlapUpdates{
      *this, "overlap-updates",
      llvm::cl::desc("Run each optimizer update beside the backward after "
                     "it (-ds-overlap-updates)"),
      llvm::cl::init(false)};
  Option<bool> overlapOnHostOnly{
      *this, "overlap-on-host-only",
      llvm::cl::desc("With overlap-updates, only the updates on the host go "
                     "beside (-ds-overlap-updates on-host-only: GPU plans)"),
      llvm::cl::init(false)};
  Option<std::string> hardware{
      *this, "hardware",
      llvm::cl::desc("The hardware preset or JSON file the cost model "
                     "plans for (-ds-place-transfers)"),
      llvm::cl::init("cpu")};
};

/// `-ds-autodiff` (backward and optimizer), `-ds-input-ranges`; with more than
/// one rank, or input dimensions named, `-ds-sequence-parallel` and
/// `-ds-bucket-collectives`; `-ds-offload`; `-ds-host-updates` if
/// options.hostUpdates; `-canonicalize`, `-cse`;
/// `-ds-lower-to-runtime`.
/// ds-autodiff, the sharding passes (with more than one rank), canonicalize
/// and CSE: the training step in `ds`, before checkpointing and lowering.
void addStepPipeline(mlir::OpPassManager &pm,
                     const TrainingPipelineOptions &options);

/// ds-activation-checkpoint (policy options.ac, or one per layer in
/// `layers`) unless there is nothing to recompute, ds-schedule if
/// options.schedule, ds-overlap-updates if options.overlapUpdates,
/// ds-place-transfers, then ds-lower-to-runtime.
void addLoweringPipeline(mlir::OpPassManager &pm,
                         const TrainingPipelineOptions &options,
                         llvm::ArrayRef<std::string> layers = {});

/// addStepPipeline then addLoweringPipeline with options.ac.
void addTrainingPipeline(mlir::OpPassManager &pm,
                         const TrainingPipelineOptions &options);

/// Registers `-ds-training-pipeline`.
void registerTrainingPipeline();

} // namespace dsc

#endif // DSC_PIPELINES_TRAININGPIPELINE_H
