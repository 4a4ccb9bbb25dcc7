//===- Autodiff.cpp - -ds-autodiff ----------------------------------------===//
//
// Builds `@train_step` from `@forward`: a copy of the forward ops, then the
// backward ops, which walk the copy in reverse and ask each op's
// `VJPOpInterface` for its operands' gradients, then the optimizer update
// (OptimizerUpdate.cpp). Only values that depend on a trainable argument
// take part in the backward pass, so constants, masks and input-only
// computations need no gradient rule; rules compute the gradients of all
// their float operands, and the ones nothing reads are erased at the end.
//
//===----------------------------------------------------------------------===//

#include "OptimizerUpdate.h"

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

namespace dsc {
#define GEN_PASS_DEF_AUTODIFFPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {
constexpr StringLiteral kName = mlir::ds::DSDialect::kNameAttr;
constexpr StringLiteral kTrainable = mlir::ds::DSDialect::kTrainableAttr;
constexpr StringLiteral kInput = mlir::ds::DSDialect::kInputAttr;
constexpr StringLiteral kRole = mlir::ds::DSDialect::kRoleAttr;
constexpr StringLiteral kUpdates = mlir::ds::DSDialect::kUpdatesAttr;

/// Whether `value` is the result of a conversion of a computed value to a
/// float type that the input's type holds but not the other way (float32
/// to bfloat16: what autocast inserts before each matmul). Its cotangents
/// are converted back one use at a time and summed in the wider type, as
/// PyTorch's autograd sums the gradients of the separate casts that
/// autocast makes per op (the import's CSE merges them into one). A
/// parameter's cast is left whole: autocast casts a parameter once per
/// region (its weight cache), and PyTorch sums that cast's gradients in
/// the half type.
bool narrows(Value value) {
  auto convert = value.getDefiningOp<ConvertOp>();
  if (!convert || isa<BlockArgument>(convert.getInput()))
    return false;
  auto from = dyn_cast<FloatType>(
      cast<ShapedType>(convert.getInput().getType()).getElementType());
  auto to =
      dyn_cast<FloatType>(cast<ShapedType>(convert.getType()).getElementType());
  return from && to &&
         llvm::APFloat::isRepresentableBy(to.getFloatSemantics(),
                                          from.getFloatSemantics()) &&
         !llvm::APFloat::isRepresentableBy(from.getFloatSemantics(),
                                           to.getFloatSemantics());
}

/// Asks `op`'s gradient rule for its operands' gradients from
/// `resultGrads` and adds them to `grads` (or, for a narrowing conversion's
/// result, to `narrowed`).
LogicalResult applyRule(OpBuilder &builder, Operation *op,
                        ArrayRef<Value> resultGrads,
                        const DenseSet<Value> &active,
                        DenseMap<Value, Value> &grads,
                        DenseMap<Value, SmallVector<Value>> &narrowed) {
  if (llvm::all_of(resultGrads, [](Value grad) { return !grad; }))
    return success();
  auto rule = dyn_cast<VJPOpInterface>(op);
  if (!rule)
    return op->emitError() << "op '" << op->getName()
                           << "' has no gradient rule";
  SmallVector<Value> operandGrads;
  if (failed(rule.buildVJP(builder, resultGrads, operandGrads)))
    return failure();
  if (operandGrads.size() != op->getNumOperands())
    return op->emitError() << "gradient rule of '" << op->getName()
                           << "' returned " << operandGrads.size()
                           << " gradients for " << op->getNumOperands()
                           << " operands";
  for (auto [index, operand, grad] :
       llvm::enumerate(op->getOperands(), operandGrads)) {
    if (!active.contains(operand))
      continue;
    // A trainable parameter reaches this operand: dropping its gradient
    // would train with a wrong one.
    if (!grad)
      return op->emitError()
             << "'" << op->getName() << "' has no gradient for operand #"
             << index << ", which depends on a trainable parameter";
    if (grad.getType() != operand.getType())
      return op->emitError()
             << "gradient rule of '" << op->getName() << "' returned "
             << grad.getType() << " for operand #" << index << " of type "
             << operand.getType();
    if (narrows(operand)) {
      narrowed[operand].push_back(grad);
      continue;
    }
    Value &sum = grads[operand];
    sum = sum ? AddOp::create(builder, op->getLoc(), sum, grad).getResult()
              : grad;
  }
  return success();
}

/// Appends to `gradsOut` the gradient of `loss` with respect to each of
/// `wrt` (null where the loss does not depend on it), creating the backward
/// ops at the builder's insertion point. `forwardOps` are the ops that
/// compute `loss`, in order.
LogicalResult backpropagate(OpBuilder &builder,
                            ArrayRef<Operation *> forwardOps, Value loss,
                            ArrayRef<Value> wrt,
                            SmallVectorImpl<Value> &gradsOut) {
  // The values that depend on a trainable argument through float values.
  DenseSet<Value> active;
  for (Value value : wrt)
    active.insert(value);
  for (Operation *op : forwardOps) {
    if (llvm::none_of(op->getOperands(),
                      [&](Value v) { return active.contains(v); }))
      continue;
    if (auto rule = dyn_cast<VJPOpInterface>(op);
        rule && !rule.propagatesGradients())
      continue;
    for (Value result : op->getResults())
      if (vjp::isDifferentiable(result.getType()))
        active.insert(result);
  }

  // An attention whose bias gets a gradient says so (bias_grad): PyTorch's
  // SDPA then runs its math backend on the CPU, whose roundings the
  // kernel follows.
  for (Operation *op : forwardOps)
    if (auto attention = dyn_cast<AttentionOp>(op);
        attention && attention.getBias() &&
        active.contains(attention.getBias()))
      attention.setBiasGrad(true);

  DenseMap<Value, Value> grads;
  // The cotangents of a narrowing conversion's result, one per use, kept
  // apart (see narrows()).
  DenseMap<Value, SmallVector<Value>> narrowed;
  if (active.contains(loss))
    grads[loss] = vjp::createSplat(builder, loss.getLoc(),
                                   cast<RankedTensorType>(loss.getType()), 1.0);

  for (Operation *op : llvm::reverse(forwardOps)) {
    // Only active values receive gradients, so an op with a result gradient
    // has an active operand and lies on the gradient path.
    SmallVector<SmallVector<Value>> rounds;
    if (auto it = isa<ConvertOp>(op) ? narrowed.find(op->getResult(0))
                                     : narrowed.end();
        it != narrowed.end())
      for (Value grad : it->second)
        rounds.push_back({grad});
    else
      rounds.push_back(llvm::map_to_vector(op->getResults(), [&](Value result) {
        return grads.lookup(result);
      }));
    for (ArrayRef<Value> resultGrads : rounds)
      if (failed(applyRule(builder, op, resultGrads, active, grads, narrowed)))
        return failure();
  }
  for (Value value : wrt)
    gradsOut.push_back(grads.lookup(value));
  return success();
}

/// Erases the ops after `lastKept` in `block` that nothing reads: gradients
/// of operands that need none.
void eraseDeadOpsAfter(Block &block, Operation *lastKept) {
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block))) {
    if (&op == lastKept)
      break;
    if (isOpTriviallyDead(&op))
      op.erase();
  }
}

DictionaryAttr withRole(MLIRContext *context, DictionaryAttr attrs,
                        StringRef name, StringRef role) {
  NamedAttrList list(attrs);
  list.erase(kInput);
  list.set(kName, StringAttr::get(context, name));
  list.set(kRole, StringAttr::get(context, role));
  return list.getDictionary(context);
}

/// Checks the results of `forward` after the loss: each the new value of
/// a frozen parameter argument (a buffer the step writes, BatchNorm's
/// running statistics), named by `ds.updates`, once.
LogicalResult checkStateUpdates(func::FuncOp forward) {
  llvm::StringSet<> updated;
  for (unsigned j = 1; j < forward.getNumResults(); ++j) {
    auto name = forward.getResultAttrOfType<StringAttr>(j, kUpdates);
    if (!name)
      return forward.emitError()
             << "result " << j
             << " of @forward has no ds.updates: results after the loss "
                "are new values of state arguments";
    if (!updated.insert(name.getValue()).second)
      return forward.emitError() << "result " << j << " updates '"
                                 << name.getValue() << "' a second time";
    std::optional<unsigned> arg;
    for (unsigned i = 0; i < forward.getNumArguments(); ++i)
      if (auto argName = forward.getArgAttrOfType<StringAttr>(i, kName);
          argName && argName == name)
        arg = i;
    if (!arg || forward.getArgAttr(*arg, kInput) ||
        forward.getArgAttr(*arg, kTrainable))
      return forward.emitError()
             << "result " << j << " updates '" << name.getValue()
             << "', which is no frozen parameter argument of @forward";
    if (forward.getArgument(*arg).getType() !=
        forward.getFunctionType().getResult(j))
      return forward.emitError()
             << "result " << j << " updates '" << name.getValue()
             << "' with a value of another type";
  }
  return success();
}

/// Builds `@train_step` after `forward`.
LogicalResult buildTrainStep(func::FuncOp forward,
                             const dsc::OptimizerConfig &config) {
  MLIRContext *context = forward.getContext();
  if (forward.isExternal() || !forward.getBody().hasOneBlock())
    return forward.emitError() << "@forward must have a body of one block";
  FunctionType forwardType = forward.getFunctionType();
  auto lossType = forwardType.getNumResults() >= 1
                      ? dyn_cast<RankedTensorType>(forwardType.getResult(0))
                      : RankedTensorType();
  if (!lossType || lossType.getRank() != 0 ||
      !isa<FloatType>(lossType.getElementType())) {
    // The type alone, not the whole signature: a model's has hundreds of
    // arguments.
    InFlightDiagnostic diag = emitError(forward.getLoc())
                              << "@forward must return the 0-d float "
                                 "loss first, but returns ";
    if (forwardType.getNumResults() >= 1)
      diag << forwardType.getResult(0);
    else
      diag << "nothing";
    return diag;
  }
  if (failed(checkStateUpdates(forward)))
    return failure();
  // Static shapes with elements only: the memory plan, the partitioner and
  // the kernels size everything from them.
  auto check = [&](Value value, Location loc) -> LogicalResult {
    auto type = dyn_cast<ShapedType>(value.getType());
    if (!type)
      return success();
    if (!type.hasRank() || !type.hasStaticShape())
      return emitError(loc) << type << ": dsc compiles static shapes only";
    if (type.getNumElements() == 0)
      return emitError(loc) << type
                            << " has no elements: empty tensors (a "
                               "dimension of size 0) are not supported";
    return success();
  };
  for (BlockArgument arg : forward.getArguments())
    if (failed(check(arg, arg.getLoc())))
      return failure();
  WalkResult shapes = forward.walk([&](Operation *op) {
    for (Value result : op->getResults())
      if (failed(check(result, op->getLoc())))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (shapes.wasInterrupted())
    return failure();

  // Parameters keep their order, inputs move after the optimizer state.
  SmallVector<unsigned> paramArgs, inputArgs;
  SmallVector<std::string> names;
  SmallVector<dsc::TrainableParam> trainable;
  SmallVector<unsigned> trainableArgs;
  llvm::StringSet<> seen;
  for (BlockArgument arg : forward.getArguments()) {
    unsigned i = arg.getArgNumber();
    auto nameAttr = forward.getArgAttrOfType<StringAttr>(i, kName);
    std::string name = nameAttr ? nameAttr.str() : "arg" + std::to_string(i);
    if (!seen.insert(name).second)
      return emitError(arg.getLoc())
             << "argument name '" << name << "' of @forward is not unique";
    names.push_back(name);
    if (forward.getArgAttr(i, kInput)) {
      inputArgs.push_back(i);
      continue;
    }
    paramArgs.push_back(i);
    if (!forward.getArgAttr(i, kTrainable))
      continue;
    if (!vjp::isDifferentiable(arg.getType()))
      return emitError(arg.getLoc())
             << "trainable argument '" << name << "' is not a float tensor";
    trainable.push_back({name, arg.getType()});
    trainableArgs.push_back(i);
  }
  SmallVector<dsc::StateSlot> state =
      dsc::getOptimizerState(context, config, trainable);
  for (const dsc::StateSlot &slot : state)
    if (!seen.insert(slot.name).second)
      return forward.emitError() << "optimizer state '" << slot.name
                                 << "' clashes with an argument name";

  SmallVector<Type> argTypes;
  SmallVector<Location> argLocs;
  SmallVector<Attribute> argAttrs;
  for (unsigned i : paramArgs) {
    argTypes.push_back(forward.getArgument(i).getType());
    argLocs.push_back(forward.getArgument(i).getLoc());
    argAttrs.push_back(
        withRole(context, forward.getArgAttrDict(i), names[i], "parameter"));
  }
  for (const dsc::StateSlot &slot : state) {
    argTypes.push_back(slot.type);
    argLocs.push_back(forward.getLoc());
    argAttrs.push_back(withRole(context, {}, slot.name, "state"));
  }
  for (unsigned i : inputArgs) {
    argTypes.push_back(forward.getArgument(i).getType());
    argLocs.push_back(forward.getArgument(i).getLoc());
    argAttrs.push_back(
        withRole(context, forward.getArgAttrDict(i), names[i], "input"));
  }

  OpBuilder builder(context);
  builder.setInsertionPointAfter(forward);
  auto step = func::FuncOp::create(builder, forward.getLoc(),
                                   mlir::ds::DSDialect::kTrainStepFunc,
                                   FunctionType::get(context, argTypes, {}));
  Block *entry = builder.createBlock(&step.getBody(), step.getBody().end(),
                                     argTypes, argLocs);

  // The forward pass, on the new arguments.
  IRMapping mapping;
  DenseMap<unsigned, Value> newArg;
  for (auto [k, i] : llvm::enumerate(paramArgs))
    newArg[i] = entry->getArgument(k);
  for (auto [k, i] : llvm::enumerate(inputArgs))
    newArg[i] = entry->getArgument(paramArgs.size() + state.size() + k);
  for (auto [i, value] : newArg)
    mapping.map(forward.getArgument(i), value);
  Block &body = forward.front();
  SmallVector<Operation *> forwardOps;
  for (Operation &op : body.without_terminator())
    forwardOps.push_back(builder.clone(op, mapping));
  Operation *lastForward = forwardOps.empty() ? nullptr : forwardOps.back();
  Operation *terminator = body.getTerminator();
  Value loss = mapping.lookupOrDefault(terminator->getOperand(0));

  // The backward pass and the update.
  SmallVector<Value> params, grads, stateValues;
  for (unsigned i : trainableArgs)
    params.push_back(newArg[i]);
  for (unsigned k = 0; k < state.size(); ++k)
    stateValues.push_back(entry->getArgument(paramArgs.size() + k));
  if (failed(backpropagate(builder, forwardOps, loss, params, grads))) {
    step.erase();
    return failure();
  }
  SmallVector<dsc::PersistentUpdate> updates = dsc::buildOptimizerUpdate(
      builder, forward.getLoc(), config, trainable, params, grads, stateValues);

  SmallVector<Value> results{loss};
  SmallVector<Attribute> resultAttrs{builder.getDictionaryAttr(
      builder.getNamedAttr(kRole, builder.getStringAttr("loss")))};
  for (const dsc::PersistentUpdate &update : updates) {
    results.push_back(update.value);
    resultAttrs.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
        kUpdates, builder.getStringAttr(update.replaces))));
  }
  // The state the forward pass wrote (checkStateUpdates).
  for (unsigned j = 1; j < terminator->getNumOperands(); ++j) {
    results.push_back(mapping.lookupOrDefault(terminator->getOperand(j)));
    resultAttrs.push_back(forward.getResultAttrDict(j));
  }
  func::ReturnOp::create(builder, terminator->getLoc(), results);
  // Gradients a rule gave that nothing reads (an attention's bias no
  // trainable parameter reaches) go before the sharding passes plan
  // communication for them.
  IRRewriter rewriter(context);
  step.walk(
      [&](AttentionGradOp op) { (void)dropUnreadBiasGradient(rewriter, op); });
  eraseDeadOpsAfter(*entry, lastForward);
  // The backward is built: what was detached is the plain value again.
  step.walk([](StopGradientOp op) {
    op.replaceAllUsesWith(op.getInput());
    op.erase();
  });

  step.setFunctionType(
      FunctionType::get(context, argTypes, ValueRange(results).getTypes()));
  step.setAllArgAttrs(argAttrs);
  step.setAllResultAttrs(resultAttrs);
  return success();
}

struct AutodiffPass : dsc::impl::AutodiffPassBase<AutodiffPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward =
        module.lookupSymbol<func::FuncOp>(mlir::ds::DSDialect::kForwardFunc);
    if (!forward) {
      module.emitError() << "no func.func @forward to differentiate";
      return signalPassFailure();
    }
    if (module.lookupSymbol(mlir::ds::DSDialect::kTrainStepFunc)) {
      module.emitError() << "the module already has a @train_step";
      return signalPassFailure();
    }
    FailureOr<dsc::OptimizerConfig> config =
        dsc::makeOptimizerConfig(forward.getLoc(), optimizer, lr, beta1, beta2,
                                 eps, weightDecay, momentum, maxGradNorm);
    if (succeeded(config)) {
      config->fused = fused;
      if (failed(dsc::setLrSchedule(forward.getLoc(), *config, lrSchedule,
                                    warmupSteps, totalSteps, minLrRatio)))
        return signalPassFailure();
    }
    if (failed(config) || failed(buildTrainStep(forward, *config)))
      return signalPassFailure();
    forward.erase();
  }
};
} // namespace
