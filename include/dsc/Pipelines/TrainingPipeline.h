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

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace dsc {

struct TrainingPipelineOptions
    : public mlir::PassPipelineOptions<TrainingPipelineOptions> {
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
  Option<int64_t> dp{*this, "dp", llvm::cl::desc("Data-parallel ranks"),
                     llvm::cl::init(1)};
  Option<int64_t> sp{*this, "sp",
                     llvm::cl::desc("Sequence-parallel ranks (Ulysses)"),
                     llvm::cl::init(1)};
  Option<std::string> seqDims{
      *this, "seq-dims",
      llvm::cl::desc("Sequence dimension of inputs: name:dim,... (default: "
                     "1 for every integer input of rank >= 2)"),
      llvm::cl::init("")};
  Option<std::string> batchDims{
      *this, "batch-dims",
      llvm::cl::desc("Batch dimension of inputs, split over dp: "
                     "name:dim,... (default: 0)"),
      llvm::cl::init("")};
};

/// `-ds-autodiff` (backward and optimizer); with more than one rank, or
/// input dimensions named, `-ds-sequence-parallel` and
/// `-ds-bucket-all-reduce`; `-canonicalize`, `-cse`; `-ds-lower-to-runtime`.
void addTrainingPipeline(mlir::OpPassManager &pm,
                         const TrainingPipelineOptions &options);

/// Registers `-ds-training-pipeline`.
void registerTrainingPipeline();

} // namespace dsc

#endif // DSC_PIPELINES_TRAININGPIPELINE_H
