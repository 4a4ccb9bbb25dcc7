//===- Offload.cpp - -ds-offload ------------------------------------------===//
//
// Moves the optimizer state, the parameters and the saved activations of the
// training step to host memory or NVMe. An argument is marked with its memory
// space, its readers in each phase read a ds.reload of it (through the
// ds.wait that ends the read), and the value returned in its place is a
// ds.offload of the new value (through its ds.wait). A saved activation is
// offloaded after the op that computes it and reloaded before the backward
// reads it. Each transfer starts and ends at once here; -ds-place-transfers
// moves them apart.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/StepPhases.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <map>

namespace dsc {
#define GEN_PASS_DEF_OFFLOADPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

bool isSpace(StringRef space) {
  return space == "none" || space == "cpu" || space == "nvme";
}

struct OffloadPass : dsc::impl::OffloadPassBase<OffloadPass> {
  using OffloadPassBase::OffloadPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto [what, space] :
         {std::pair<StringRef, StringRef>{"optimizer state", optimizer},
          {"parameters", params},
          {"activations", activations}})
      if (!isSpace(space)) {
        module.emitError() << "ds-offload: " << what
                           << " can stay in memory (none), go to host memory "
                              "(cpu) or to nvme, not '"
                           << space << "'";
        return signalPassFailure();
      }
    auto step = module.lookupSymbol<func::FuncOp>(DSDialect::kTrainStepFunc);
    if (!step ||
        (optimizer == "none" && params == "none" && activations == "none"))
      return;
    // The phases of the step as it came: the transfers inserted below are
    // not in the map (a lookup says Forward), and the activations skip
    // them.
    FailureOr<DenseMap<Operation *, dsc::StepPhase>> phases =
        dsc::computePhases(step);
    if (failed(phases))
      return signalPassFailure();
    if (optimizer != "none")
      numOffloaded += offloadArguments(step, "state", optimizer, *phases);
    if (params != "none")
      numParams += offloadArguments(step, "parameter", params, *phases);
    if (activations != "none" &&
        failed(offloadActivations(step, activations, *phases)))
      return signalPassFailure();
  }

  /// The readers of `arg` in groups that each read one reload, in block
  /// order: the readers of each phase (a parameter's forward, its backward,
  /// its update; the state's update and what ZeRO put between), split
  /// where another parameter is read between two of them (a tied
  /// embedding's lookup and output projection, the layers of a shared
  /// block): between the groups the argument is not in memory.
  SmallVector<SmallVector<OpOperand *>>
  readerGroups(BlockArgument arg, Operation *ret,
               const DenseMap<Operation *, dsc::StepPhase> &phases);
  /// Offloads the float arguments of `role` with their updates; returns
  /// how many.
  unsigned
  offloadArguments(func::FuncOp step, StringRef role, StringRef space,
                   const DenseMap<Operation *, dsc::StepPhase> &phases);
  LogicalResult
  offloadActivations(func::FuncOp step, StringRef space,
                     const DenseMap<Operation *, dsc::StepPhase> &phases);
};

/// The parameter argument `value` is, directly or as the wait of a reload.
BlockArgument parameterRead(Value value) {
  if (auto wait = value.getDefiningOp<WaitOp>())
    if (auto reload = wait.getInput().getDefiningOp<ReloadOp>())
      value = reload->getOperand(0);
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg)
    return nullptr;
  auto step = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  auto role = step ? step.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                       DSDialect::kRoleAttr)
                   : nullptr;
  return role && role.getValue() == "parameter" ? arg : nullptr;
}

SmallVector<SmallVector<OpOperand *>>
OffloadPass::readerGroups(BlockArgument arg, Operation *ret,
                          const DenseMap<Operation *, dsc::StepPhase> &phases) {
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : arg.getUses())
    if (use.getOwner() != ret)
      uses.push_back(&use);
  llvm::stable_sort(uses, [](OpOperand *a, OpOperand *b) {
    return a->getOwner()->isBeforeInBlock(b->getOwner());
  });
  auto readsOtherParameter = [&](Operation &op) {
    return llvm::any_of(op.getOperands(), [&](Value operand) {
      BlockArgument read = parameterRead(operand);
      return read && read != arg;
    });
  };
  SmallVector<SmallVector<OpOperand *>> groups;
  std::map<dsc::StepPhase, size_t> groupOfPhase;
  for (OpOperand *use : uses) {
    Operation *reader = use->getOwner();
    dsc::StepPhase phase = phases.lookup(reader);
    auto it = groupOfPhase.find(phase);
    bool split = false;
    if (it != groupOfPhase.end()) {
      Operation *last = groups[it->second].back()->getOwner();
      if (last != reader)
        for (Operation *op = last->getNextNode(); op != reader && !split;
             op = op->getNextNode())
          split = readsOtherParameter(*op);
    }
    if (it == groupOfPhase.end() || split) {
      groupOfPhase[phase] = groups.size();
      groups.emplace_back();
    }
    groups[groupOfPhase[phase]].push_back(use);
  }
  return groups;
}

/// Whether the argument `arg` called `name` may live in another memory
/// space: its new value (if `ret` returns one) is computed by an op of its
/// own, after which nothing reads the old value. A buffer the forward pass
/// writes and the backward still reads, or resets to a constant, stays.
bool offloadable(BlockArgument arg, StringAttr name, func::ReturnOp ret) {
  auto step = cast<func::FuncOp>(ret->getParentOp());
  for (OpOperand &result : ret->getOpOperands()) {
    auto updates = step.getResultAttrOfType<StringAttr>(
        result.getOperandNumber(), DSDialect::kUpdatesAttr);
    if (!updates || updates != name || result.get() == arg)
      continue;
    Operation *producer = result.get().getDefiningOp();
    if (!producer || isa<ConstantOp>(producer) ||
        llvm::any_of(arg.getUsers(), [&](Operation *user) {
          return producer->isBeforeInBlock(user);
        }))
      return false;
  }
  return true;
}

unsigned OffloadPass::offloadArguments(
    func::FuncOp step, StringRef role, StringRef space,
    const DenseMap<Operation *, dsc::StepPhase> &phases) {
  auto ret = cast<func::ReturnOp>(step.front().getTerminator());
  OpBuilder builder(step.getContext());
  unsigned count = 0;
  for (BlockArgument arg : step.getArguments()) {
    unsigned number = arg.getArgNumber();
    auto argRole =
        step.getArgAttrOfType<StringAttr>(number, DSDialect::kRoleAttr);
    auto name = step.getArgAttrOfType<StringAttr>(number, DSDialect::kNameAttr);
    if (!argRole || argRole.getValue() != role || !name ||
        !isa<FloatType>(getElementTypeOrSelf(arg.getType())) ||
        !offloadable(arg, name, ret))
      continue;
    for (ArrayRef<OpOperand *> uses : readerGroups(arg, ret, phases)) {
      Operation *first = uses.front()->getOwner();
      builder.setInsertionPoint(first);
      auto reload = ReloadOp::create(builder, arg.getLoc(), arg, space);
      auto loaded = WaitOp::create(builder, arg.getLoc(), reload);
      for (OpOperand *use : uses)
        use->set(loaded);
    }
    for (OpOperand &result : ret->getOpOperands()) {
      auto updates = step.getResultAttrOfType<StringAttr>(
          result.getOperandNumber(), DSDialect::kUpdatesAttr);
      if (!updates || updates != name || result.get() == arg)
        continue;
      Value value = result.get();
      if (Operation *producer = value.getDefiningOp())
        builder.setInsertionPointAfter(producer);
      else
        builder.setInsertionPoint(ret);
      auto offload = OffloadOp::create(builder, value.getLoc(), value, space);
      result.set(WaitOp::create(builder, value.getLoc(), offload));
    }
    step.setArgAttr(number, DSDialect::kMemorySpaceAttr,
                    builder.getStringAttr(space));
    ++count;
  }
  return count;
}

LogicalResult OffloadPass::offloadActivations(
    func::FuncOp step, StringRef space,
    const DenseMap<Operation *, dsc::StepPhase> &phases) {
  // Recomputation (-ds-activation-checkpoint, later in the pipeline) would
  // replay forward ops whose results went away.
  for (Operation &op : step.front())
    if (isa<RecomputeOp>(op))
      return op.emitError() << "ds-offload: activations cannot be offloaded "
                               "in a step that recomputes them";
  OpBuilder builder(step.getContext());
  for (Operation &op : llvm::make_early_inc_range(step.front())) {
    if (phases.lookup(&op) != dsc::StepPhase::Forward ||
        isa<ConstantOp, ReloadOp, OffloadOp, WaitOp>(op))
      continue;
    for (Value value : op.getResults()) {
      auto type = dyn_cast<RankedTensorType>(value.getType());
      if (!type || !isa<FloatType>(type.getElementType()) ||
          type.getNumElements() * type.getElementTypeBitWidth() / 8 <
              activationMinBytes)
        continue;
      // A saved activation: read again by the backward.
      SmallVector<OpOperand *> saved;
      Operation *first = nullptr;
      for (OpOperand &use : value.getUses()) {
        Operation *user = use.getOwner();
        if (phases.lookup(user) != dsc::StepPhase::Backward)
          continue;
        saved.push_back(&use);
        if (!first || user->isBeforeInBlock(first))
          first = user;
      }
      if (saved.empty())
        continue;
      builder.setInsertionPointAfter(&op);
      auto offload = OffloadOp::create(builder, value.getLoc(), value, space);
      auto away = WaitOp::create(builder, value.getLoc(), offload);
      builder.setInsertionPoint(first);
      auto reload = ReloadOp::create(builder, value.getLoc(), away, space);
      auto back = WaitOp::create(builder, value.getLoc(), reload);
      for (OpOperand *use : saved)
        use->set(back);
      ++numActivations;
    }
  }
  return success();
}

} // namespace
