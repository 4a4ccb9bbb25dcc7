//===- Schedule.cpp - -ds-schedule ----------------------------------------===//

#include "dsc/Analysis/StepPhases.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

namespace dsc {
#define GEN_PASS_DEF_SCHEDULEPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

/// The later of two ops of one block (null counts as the earliest).
Operation *later(Operation *a, Operation *b) {
  if (!a)
    return b;
  if (!b)
    return a;
  return a->isBeforeInBlock(b) ? b : a;
}

/// Whether `value` is the wait of a reload of an argument (not of a value
/// the step computed: a host update's new parameter).
bool isReloaded(Value value) {
  auto wait = value.getDefiningOp<ds::WaitOp>();
  auto reload = wait ? wait.getInput().getDefiningOp<ds::ReloadOp>() : nullptr;
  return reload && isa<BlockArgument>(reload.getInput());
}

/// The last op `op` must follow: those that define its operands and, for an
/// operand that is an argument of the step (a parameter or state the op may
/// overwrite in place), every other op that reads it (a reload: its wait). Null
/// when `op` only reads arguments nothing else reads. A reload of the update
/// (ds.reload and its ds.wait, in `moved`) does not count: it goes right before
/// its first reader afterwards; the readers of the argument's other reloads (an
/// offloaded parameter's forward and backward) do.
Operation *lastPredecessor(Operation *op,
                           const llvm::SmallPtrSetImpl<Operation *> &moved,
                           const DenseMap<Operation *, Value> &writes) {
  Operation *last = nullptr;
  // A reload that brings a host update's new parameter into the
  // parameter's memory follows every reader of the old value (the
  // backward's `grad * weight` after the weight's gradient is complete).
  if (Value arg = writes.lookup(op))
    for (Operation *user : arg.getUsers())
      last = later(last, user);
  for (Value operand : op->getOperands()) {
    if (Operation *wait = operand.getDefiningOp(); moved.contains(wait)) {
      Operation *reload = wait->getOperand(0).getDefiningOp();
      for (Operation *other : reload->getOperand(0).getUsers())
        if (other != reload)
          for (Operation *otherWait : other->getUsers())
            for (Operation *reader : otherWait->getUsers())
              last = later(last, reader);
      continue;
    }
    if (Operation *def = operand.getDefiningOp()) {
      last = later(last, def);
      continue;
    }
    // A reload of the argument reads it until its wait (an update on the
    // host writes the argument in place).
    for (Operation *user : operand.getUsers()) {
      if (user == op)
        continue;
      last = later(last, user);
      if (isa<ds::ReloadOp>(user))
        for (Operation *wait : user->getUsers())
          last = later(last, wait);
    }
  }
  return last;
}

/// The reloads of values the step computed (a host update's new
/// parameter) whose wait the step returns as the new value of an argument:
/// they read into that argument's memory. Each with the argument.
DenseMap<Operation *, Value> reloadsIntoArguments(func::FuncOp step) {
  DenseMap<Operation *, Value> writes;
  Operation *ret = step.front().getTerminator();
  for (auto [i, value] : llvm::enumerate(ret->getOperands())) {
    auto name =
        step.getResultAttrOfType<StringAttr>(i, ds::DSDialect::kUpdatesAttr);
    auto wait = value.getDefiningOp<ds::WaitOp>();
    auto reload =
        wait ? wait.getInput().getDefiningOp<ds::ReloadOp>() : nullptr;
    if (!name || !reload || isa<BlockArgument>(reload.getInput()))
      continue;
    for (BlockArgument arg : step.getArguments())
      if (step.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                            ds::DSDialect::kNameAttr) == name)
        writes[reload] = arg;
  }
  return writes;
}

struct SchedulePass : dsc::impl::SchedulePassBase<SchedulePass> {
  void runOnOperation() override {
    auto trainStep = getOperation().lookupSymbol<func::FuncOp>(
        ds::DSDialect::kTrainStepFunc);
    if (!trainStep) {
      getOperation().emitError() << "ds-schedule needs func.func @train_step "
                                    "(run -ds-autodiff first)";
      return signalPassFailure();
    }
    FailureOr<DenseMap<Operation *, dsc::StepPhase>> phases =
        dsc::computePhases(trainStep);
    if (failed(phases))
      return signalPassFailure();
    Block &body = trainStep.front();
    DenseMap<Operation *, Value> writes = reloadsIntoArguments(trainStep);
    SmallVector<Operation *> optimizer;
    for (Operation &op : body.without_terminator())
      if (phases->lookup(&op) == dsc::StepPhase::Optimizer)
        optimizer.push_back(&op);
    // In program order, so that an op's moved predecessors are in place;
    // ops that need nothing go to the front, in their order.
    Operation *front = nullptr;
    SmallVector<ds::WaitOp> reloads;
    llvm::SmallPtrSet<Operation *, 32> moved;
    for (Operation *op : optimizer)
      if (auto wait = dyn_cast<ds::WaitOp>(op); wait && isReloaded(wait)) {
        reloads.push_back(wait);
        moved.insert(wait);
      }
    for (Operation *op : optimizer) {
      // The reloads of arguments go before their waits below; that of a
      // value (a host update's new parameter) follows it like any op.
      if ((isa<ds::ReloadOp>(op) && isa<BlockArgument>(op->getOperand(0))) ||
          moved.contains(op))
        continue;
      Operation *after = lastPredecessor(op, moved, writes);
      if (!after) {
        if (front)
          op->moveAfter(front);
        else
          op->moveBefore(&body.front());
        front = op;
        continue;
      }
      if (after->isBeforeInBlock(op))
        op->moveAfter(after);
    }
    // What an update reloads is in memory only from right before its first
    // reader (-ds-place-transfers may start the read earlier).
    for (ds::WaitOp wait : reloads) {
      Operation *first = nullptr;
      for (Operation *user : wait->getUsers())
        if (!first || user->isBeforeInBlock(first))
          first = user;
      if (!first)
        continue;
      wait->moveBefore(first);
      wait.getInput().getDefiningOp()->moveBefore(wait);
    }
  }
};

} // namespace
