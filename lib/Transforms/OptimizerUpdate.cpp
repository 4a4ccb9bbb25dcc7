//===- OptimizerUpdate.cpp - optimizer step of ds-autodiff ----------------===//
//
// One `ds.adamw_update` or `ds.sgd_update` per trainable parameter. AdamW's
// step count is one shared `tensor<i64>`, incremented once per step before
// the updates read it, as `torch.optim.AdamW` increments `state['step']`
// before it computes the bias corrections.
//
//===----------------------------------------------------------------------===//

#include "OptimizerUpdate.h"

#include <cmath>

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::ds;

FailureOr<dsc::OptimizerConfig> dsc::makeOptimizerConfig(
    Location loc, StringRef optimizer, double lr, double beta1, double beta2,
    double eps, double weightDecay, double momentum, double maxGradNorm) {
  OptimizerConfig config;
  if (optimizer == "adamw") {
    config.kind = OptimizerConfig::Kind::AdamW;
  } else if (optimizer == "sgd") {
    config.kind = OptimizerConfig::Kind::SGD;
  } else {
    return emitError(loc) << "unknown optimizer '" << optimizer
                          << "'; expected 'adamw' or 'sgd'";
  }
  bool adamw = config.kind == OptimizerConfig::Kind::AdamW;
  // The checks torch.optim makes of its arguments, and finite values.
  for (auto [name, value] : {std::pair<StringRef, double>{"learning rate", lr},
                             {"beta1", beta1},
                             {"beta2", beta2},
                             {"epsilon", eps},
                             {"weight decay", weightDecay},
                             {"momentum", momentum},
                             {"maximum gradient norm", maxGradNorm}})
    if (!std::isfinite(value))
      return emitError(loc)
             << "invalid " << name << " " << value << ": it must be finite";
  if (!(lr >= 0))
    return emitError(loc) << "invalid learning rate " << lr;
  if (adamw && !(eps >= 0))
    return emitError(loc) << "invalid epsilon " << eps;
  if (adamw && !(beta1 >= 0 && beta1 < 1))
    return emitError(loc) << "invalid beta1 " << beta1;
  if (adamw && !(beta2 >= 0 && beta2 < 1))
    return emitError(loc) << "invalid beta2 " << beta2;
  if (!adamw && !(momentum >= 0))
    return emitError(loc) << "invalid momentum " << momentum;
  if (!(maxGradNorm >= 0))
    return emitError(loc) << "invalid maximum gradient norm " << maxGradNorm
                          << ": it must be positive (or 0: no clipping)";
  config.lr = lr;
  config.beta1 = beta1;
  config.beta2 = beta2;
  config.eps = eps;
  config.momentum = momentum;
  config.maxGradNorm = maxGradNorm;
  config.weightDecay = weightDecay >= 0 ? weightDecay : adamw ? 0.01 : 0.0;
  return config;
}

LogicalResult dsc::setLrSchedule(Location loc, OptimizerConfig &config,
                                 StringRef schedule, int64_t warmupSteps,
                                 int64_t totalSteps, double minLrRatio) {
  if (schedule != "constant" && schedule != "linear" && schedule != "cosine")
    return emitError(loc) << "unknown learning rate schedule '" << schedule
                          << "'; expected constant, linear or cosine";
  if (warmupSteps < 0 || totalSteps < 0)
    return emitError(loc) << "the schedule's step counts must not be negative";
  if (schedule != "constant" && totalSteps == 0)
    return emitError(loc) << "the " << schedule
                          << " schedule needs the total number of steps";
  if (!(minLrRatio >= 0 && minLrRatio <= 1))
    return emitError(loc) << "invalid minimum learning rate ratio "
                          << minLrRatio << ": it must be in [0, 1]";
  if (minLrRatio != 0 && schedule != "cosine")
    return emitError(loc) << "a minimum learning rate ratio needs the cosine "
                             "schedule";
  config.lrSchedule = schedule.str();
  config.warmupSteps = warmupSteps;
  config.totalSteps = totalSteps;
  config.minLrRatio = minLrRatio;
  if (config.hasSchedule() && config.kind != OptimizerConfig::Kind::AdamW)
    return emitError(loc) << "a learning rate schedule needs adamw: it reads "
                             "AdamW's step count, and sgd keeps none";
  return success();
}

SmallVector<dsc::StateSlot>
dsc::getOptimizerState(MLIRContext *context, const OptimizerConfig &config,
                       ArrayRef<TrainableParam> params) {
  SmallVector<StateSlot> state;
  if (config.kind == OptimizerConfig::Kind::AdamW) {
    for (const TrainableParam &param : params) {
      state.push_back({"exp_avg." + param.name, param.type});
      state.push_back({"exp_avg_sq." + param.name, param.type});
    }
    state.push_back(
        {"step", RankedTensorType::get({}, IntegerType::get(context, 64))});
    return state;
  }
  if (config.momentum != 0)
    for (const TrainableParam &param : params)
      state.push_back({"momentum_buffer." + param.name, param.type});
  return state;
}

namespace {
/// `grads` scaled to a global L2 norm of at most `maxNorm`, in
/// `torch.nn.utils.clip_grad_norm_`'s arithmetic: each gradient's norm
/// sqrt(sum(g * g)), the total norm of those norms, the coefficient
/// maxNorm / (total + 1e-6) clamped at 1, every gradient multiplied by it
/// (by 1 too). In the global view of the step: the sharding passes reduce
/// what a rank holds partially before its squares are summed.
SmallVector<Value> clipGradients(OpBuilder &builder, Location loc,
                                 double maxNorm, ArrayRef<Value> grads) {
  Value sumOfSquares;
  for (Value grad : grads) {
    if (!grad)
      continue;
    auto type = cast<RankedTensorType>(grad.getType());
    Value squares = MulOp::create(builder, loc, grad, grad);
    if (type.getRank() > 0)
      squares = SumOp::create(builder, loc, squares,
                              builder.getDenseI64ArrayAttr(llvm::to_vector(
                                  llvm::seq<int64_t>(0, type.getRank()))),
                              /*keepdim=*/false);
    Value norm = SqrtOp::create(builder, loc, squares);
    // The norms in one type, as torch.stack promotes them (the first
    // gradient's: dsc's parameters share theirs).
    if (sumOfSquares && norm.getType() != sumOfSquares.getType())
      norm = ConvertOp::create(builder, loc, sumOfSquares.getType(), norm);
    Value square = MulOp::create(builder, loc, norm, norm);
    sumOfSquares = sumOfSquares
                       ? AddOp::create(builder, loc, sumOfSquares, square)
                       : square;
  }
  if (!sumOfSquares)
    return SmallVector<Value>(grads);
  auto scalarType = cast<RankedTensorType>(sumOfSquares.getType());
  Value total = SqrtOp::create(builder, loc, sumOfSquares);
  Value epsilon = vjp::createSplat(builder, loc, scalarType, 1e-6);
  Value denominator = AddOp::create(builder, loc, total, epsilon);
  Value numerator = vjp::createSplat(builder, loc, scalarType, maxNorm);
  Value coefficient = DivOp::create(builder, loc, numerator, denominator);
  // min(c, 1) = -max(-c, -1): NaN stays NaN, as torch.clamp keeps it.
  Value negated = NegOp::create(builder, loc, coefficient);
  Value minusOne = vjp::createSplat(builder, loc, scalarType, -1.0);
  Value clamped = NegOp::create(
      builder, loc, MaximumOp::create(builder, loc, negated, minusOne));
  SmallVector<Value> clipped;
  for (Value grad : grads) {
    if (!grad) {
      clipped.push_back(grad);
      continue;
    }
    auto type = cast<RankedTensorType>(grad.getType());
    Value factor = clamped;
    if (type.getElementType() != scalarType.getElementType())
      factor = ConvertOp::create(
          builder, loc, scalarType.clone(type.getElementType()), clamped);
    clipped.push_back(MulOp::create(builder, loc, grad, factor));
  }
  return clipped;
}

SmallVector<dsc::PersistentUpdate>
buildAdamW(OpBuilder &builder, Location loc, const dsc::OptimizerConfig &config,
           ArrayRef<dsc::TrainableParam> params, ArrayRef<Value> values,
           ArrayRef<Value> grads, ArrayRef<Value> state) {
  SmallVector<dsc::PersistentUpdate> newParams, newState;
  Value step = state.back();
  auto stepType = cast<RankedTensorType>(step.getType());
  Value one = ConstantOp::create(
      builder, loc, stepType,
      DenseElementsAttr::get(
          stepType, builder.getIntegerAttr(stepType.getElementType(), 1)));
  Value newStep = AddOp::create(builder, loc, step, one);
  for (auto [i, param] : llvm::enumerate(params)) {
    Value expAvg = state[2 * i], expAvgSq = state[2 * i + 1];
    Value newValue = values[i], newExpAvg = expAvg, newExpAvgSq = expAvgSq;
    if (Value grad = grads[i]) {
      auto update = AdamWUpdateOp::create(
          builder, loc, TypeRange{param.type, param.type, param.type},
          values[i], grad, expAvg, expAvgSq, newStep,
          builder.getF64FloatAttr(config.lr),
          builder.getF64FloatAttr(config.beta1),
          builder.getF64FloatAttr(config.beta2),
          builder.getF64FloatAttr(config.eps),
          builder.getF64FloatAttr(config.weightDecay), /*beside=*/nullptr,
          config.fused ? builder.getUnitAttr() : nullptr, /*on_host=*/nullptr,
          /*lr_schedule=*/nullptr, /*warmup_steps=*/nullptr,
          /*total_steps=*/nullptr, /*min_lr_ratio=*/nullptr);
      if (config.hasSchedule()) {
        update.setLrSchedule(config.lrSchedule);
        if (config.warmupSteps > 0)
          update.setWarmupSteps(config.warmupSteps);
        if (config.lrSchedule != "constant")
          update.setTotalSteps(config.totalSteps);
        if (config.minLrRatio != 0)
          update.setMinLrRatio(llvm::APFloat(config.minLrRatio));
      }
      newValue = update.getNewParam();
      newExpAvg = update.getNewExpAvg();
      newExpAvgSq = update.getNewExpAvgSq();
    }
    newParams.push_back({newValue, param.name});
    newState.push_back({newExpAvg, "exp_avg." + param.name});
    newState.push_back({newExpAvgSq, "exp_avg_sq." + param.name});
  }
  newState.push_back({newStep, "step"});
  newParams.append(newState.begin(), newState.end());
  return newParams;
}

SmallVector<dsc::PersistentUpdate>
buildSgd(OpBuilder &builder, Location loc, const dsc::OptimizerConfig &config,
         ArrayRef<dsc::TrainableParam> params, ArrayRef<Value> values,
         ArrayRef<Value> grads, ArrayRef<Value> state) {
  SmallVector<dsc::PersistentUpdate> newParams, newState;
  bool hasBuffer = config.momentum != 0;
  for (auto [i, param] : llvm::enumerate(params)) {
    Value buffer = hasBuffer ? state[i] : Value();
    Value newValue = values[i], newBuffer = buffer;
    if (Value grad = grads[i]) {
      // Without momentum torch keeps no buffer; the op still takes one, and
      // a zero buffer makes its result the plain SGD step.
      if (!buffer)
        buffer = vjp::createSplat(builder, loc,
                                  cast<RankedTensorType>(param.type), 0.0);
      auto update = SgdUpdateOp::create(
          builder, loc, TypeRange{param.type, param.type}, values[i], grad,
          buffer, builder.getF64FloatAttr(config.lr),
          builder.getF64FloatAttr(config.momentum),
          builder.getF64FloatAttr(config.weightDecay), /*beside=*/nullptr,
          config.fused ? builder.getUnitAttr() : nullptr, /*on_host=*/nullptr);
      newValue = update.getNewParam();
      newBuffer = update.getNewMomentumBuffer();
    }
    newParams.push_back({newValue, param.name});
    if (hasBuffer)
      newState.push_back({newBuffer, "momentum_buffer." + param.name});
  }
  newParams.append(newState.begin(), newState.end());
  return newParams;
}
} // namespace

SmallVector<dsc::PersistentUpdate> dsc::buildOptimizerUpdate(
    OpBuilder &builder, Location loc, const OptimizerConfig &config,
    ArrayRef<TrainableParam> params, ArrayRef<Value> values,
    ArrayRef<Value> grads, ArrayRef<Value> state) {
  SmallVector<Value> used(grads);
  if (config.maxGradNorm > 0)
    used = clipGradients(builder, loc, config.maxGradNorm, grads);
  if (config.kind == OptimizerConfig::Kind::AdamW)
    return buildAdamW(builder, loc, config, params, values, used, state);
  return buildSgd(builder, loc, config, params, values, used, state);
}
