//===- OptimizerUpdate.h - optimizer step of ds-autodiff --------*- C++ -*-===//
//
// The optimizer half of the training step that `-ds-autodiff` builds: which
// state the optimizer keeps between steps, and the update ops that produce
// the new parameters and state from the gradients.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_TRANSFORMS_OPTIMIZERUPDATE_H
#define DSC_LIB_TRANSFORMS_OPTIMIZERUPDATE_H

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace dsc {

/// The optimizer of a training step and its hyper-parameters, with PyTorch's
/// meaning.
struct OptimizerConfig {
  enum class Kind { AdamW, SGD };
  Kind kind = Kind::AdamW;
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weightDecay = 0.01;
  double momentum = 0.0;
  /// The updates run as torch.optim's `fused=True` (one fused kernel).
  bool fused = false;
  /// Clip the gradients to this global L2 norm first, as
  /// `torch.nn.utils.clip_grad_norm_` does; 0 leaves them as they are.
  double maxGradNorm = 0.0;
  /// The learning rate schedule (AdamW's update op documents them):
  /// "constant" without warm-up is none.
  std::string lrSchedule = "constant";
  int64_t warmupSteps = 0;
  int64_t totalSteps = 0;
  double minLrRatio = 0.0;
  bool hasSchedule() const {
    return lrSchedule != "constant" || warmupSteps > 0;
  }
};

/// Validates the `-ds-autodiff` options as `torch.optim` validates its
/// arguments and fills in the defaults: a negative `weightDecay` stands for
/// the optimizer's PyTorch default (0.01 for AdamW, 0 for SGD). Reports
/// errors at `loc`.
mlir::FailureOr<OptimizerConfig>
makeOptimizerConfig(mlir::Location loc, llvm::StringRef optimizer, double lr,
                    double beta1, double beta2, double eps, double weightDecay,
                    double momentum, double maxGradNorm = 0.0);

/// Validates a learning rate schedule and sets it in `config`: `schedule`
/// is constant, linear or cosine; the decaying ones need `totalSteps`; the
/// schedule reads AdamW's step count (SGD keeps none). Reports errors at
/// `loc`.
mlir::LogicalResult setLrSchedule(mlir::Location loc, OptimizerConfig &config,
                                  llvm::StringRef schedule, int64_t warmupSteps,
                                  int64_t totalSteps, double minLrRatio);

/// A trainable parameter as the optimizer sees it.
struct TrainableParam {
  std::string name;
  mlir::Type type;
};

/// A value that persists from one step to the next: a state argument of the
/// training step.
struct StateSlot {
  std::string name;
  mlir::Type type;
};

/// The optimizer state of `params`, in argument order: for AdamW
/// `exp_avg.<p>` and `exp_avg_sq.<p>` per parameter, then `step`; for SGD
/// with momentum `momentum_buffer.<p>` per parameter; nothing for plain SGD.
llvm::SmallVector<StateSlot>
getOptimizerState(mlir::MLIRContext *context, const OptimizerConfig &config,
                  llvm::ArrayRef<TrainableParam> params);

/// A new value of a persistent value and the name of the argument it
/// replaces.
struct PersistentUpdate {
  mlir::Value value;
  std::string replaces;
};

/// Creates the update ops at the builder's insertion point, after the
/// clipping of the gradients when `config.maxGradNorm` asks for it. `values`
/// and `grads` hold the current value and the gradient of each of `params` (a
/// null gradient leaves its parameter and state unchanged, as `torch.optim`
/// skips parameters without `.grad`); `state` holds the state arguments in
/// `getOptimizerState` order. Returns the new parameters in order, then the
/// new state values in argument order.
llvm::SmallVector<PersistentUpdate> buildOptimizerUpdate(
    mlir::OpBuilder &builder, mlir::Location loc, const OptimizerConfig &config,
    llvm::ArrayRef<TrainableParam> params, llvm::ArrayRef<mlir::Value> values,
    llvm::ArrayRef<mlir::Value> grads, llvm::ArrayRef<mlir::Value> state);

} // namespace dsc

#endif // DSC_LIB_TRANSFORMS_OPTIMIZERUPDATE_H
