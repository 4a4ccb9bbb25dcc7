//===- HostUpdates.cpp - -ds-host-updates ---------------------------------===//
//
// Moves the optimizer updates of state kept in host memory to the host, as
// ZeRO-Offload does: the update reads and writes that state where it is,
// and the gradient (and a parameter in device memory) goes out to it
// instead. The decision is the update's `on_host`; the transfers it needs
// are ordinary ds.offload / ds.reload pairs, which -ds-place-transfers
// places like any other.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_HOSTUPDATESPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

constexpr StringLiteral kHost = "cpu";

/// The step's argument kept in host memory that `value` is, directly or as
/// the wait of its reload; null otherwise.
BlockArgument hostArgument(func::FuncOp step, Value value) {
  if (auto wait = value.getDefiningOp<WaitOp>())
    if (auto reload = wait.getInput().getDefiningOp<ReloadOp>())
      value = reload.getInput();
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg || arg.getOwner() != &step.front())
    return nullptr;
  auto space = step.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                 DSDialect::kMemorySpaceAttr);
  return space && space.getValue() == kHost ? arg : nullptr;
}

/// A one-element integer tensor: the runtime reads it on the host where it
/// is.
bool isHostScalar(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isInteger() &&
         type.getNumElements() == 1;
}

/// Erases the ds.wait `value` and its transfer if nothing reads it now.
void eraseIfUnused(Value value) {
  auto wait = value.getDefiningOp<WaitOp>();
  if (!wait || !wait->use_empty())
    return;
  Operation *start = wait.getInput().getDefiningOp();
  wait.erase();
  if (start->use_empty())
    start->erase();
}

struct HostUpdatesPass : dsc::impl::HostUpdatesPassBase<HostUpdatesPass> {
  void runOnOperation() override {
    auto step =
        getOperation().lookupSymbol<func::FuncOp>(DSDialect::kTrainStepFunc);
    if (!step)
      return;
    SmallVector<OptimizerUpdateOpInterface> updates(
        step.front().getOps<OptimizerUpdateOpInterface>());
    for (OptimizerUpdateOpInterface update : updates)
      if (stateInHost(step, update)) {
        moveToHost(step, update);
        ++numHostUpdates;
      }
  }

  /// Whether the update has state and all of it is in host memory.
  static bool stateInHost(func::FuncOp step,
                          OptimizerUpdateOpInterface update) {
    bool any = false;
    for (Value operand : update->getOperands()) {
      if (operand == update.getParam() || operand == update.getGrad() ||
          isHostScalar(operand))
        continue;
      if (!hostArgument(step, operand))
        return false;
      any = true;
    }
    return any;
  }

  static void moveToHost(func::FuncOp step, OptimizerUpdateOpInterface update) {
    OpBuilder builder(update);
    Location loc = update->getLoc();
    for (OpOperand &operand : update->getOpOperands()) {
      Value value = operand.get();
      if (isHostScalar(value))
        continue;
      if (BlockArgument arg = hostArgument(step, value)) {
        operand.set(arg);
        eraseIfUnused(value);
        continue;
      }
      // Out to host memory as soon as it is computed (-ds-schedule keeps
      // the update after the wait, -ds-place-transfers moves the wait
      // later where a copy engine hides the copy).
      if (Operation *producer = value.getDefiningOp())
        builder.setInsertionPointAfter(producer);
      else
        builder.setInsertionPoint(update);
      auto offload = OffloadOp::create(builder, loc, value, kHost);
      operand.set(WaitOp::create(builder, loc, offload));
    }
    update.setOnHost(true);

    builder.setInsertionPointAfter(update);
    for (Value result : update->getResults()) {
      // The offload of a new value of host state: written in place now.
      SmallVector<OpOperand *> elsewhere;
      for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
        auto offload = dyn_cast<OffloadOp>(use.getOwner());
        if (offload && offload.getSpace() == kHost) {
          for (Operation *wait :
               llvm::make_early_inc_range(offload->getUsers()))
            wait->replaceAllUsesWith(ValueRange{result});
          for (Operation *wait :
               llvm::make_early_inc_range(offload->getUsers()))
            wait->erase();
          offload.erase();
          continue;
        }
        elsewhere.push_back(&use);
      }
      if (elsewhere.empty())
        continue;
      // Back to device memory for what reads it there.
      auto reload = ReloadOp::create(builder, loc, result, kHost);
      auto back = WaitOp::create(builder, loc, reload);
      for (OpOperand *use : elsewhere)
        use->set(back);
    }
  }
};

} // namespace
