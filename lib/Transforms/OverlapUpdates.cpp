//===- OverlapUpdates.cpp - -ds-overlap-updates ---------------------------===//
//
// Lets the optimizer updates run beside the compute after them, for as many
// compute ops as the cost model says each takes to be over (on a GPU plan,
// only those on the host). The decision is the `beside N` attribute; the
// lowering and the runtime follow it.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/OpTime.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace dsc {
#define GEN_PASS_DEF_OVERLAPUPDATESPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

struct OverlapUpdatesPass
    : dsc::impl::OverlapUpdatesPassBase<OverlapUpdatesPass> {
  using OverlapUpdatesPassBase::OverlapUpdatesPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto step = module.lookupSymbol<func::FuncOp>(DSDialect::kTrainStepFunc);
    if (!step)
      return;
    llvm::Expected<dsc::Hardware> machine = dsc::loadHardware(hardware);
    if (!machine) {
      module.emitError() << "ds-overlap-updates: "
                         << llvm::toString(machine.takeError());
      return signalPassFailure();
    }
    // The compute ops in order with the planned time each begins at on the
    // step's thread (the updates beside it take none of it).
    SmallVector<double> begins;
    DenseMap<Operation *, size_t> computeBefore;
    double now = 0.0;
    for (Operation &op : step.front()) {
      computeBefore[&op] = begins.size();
      if (!isOverlappedCompute(&op))
        continue;
      begins.push_back(now);
      now += dsc::plannedSeconds(*machine, &op);
    }
    // The side thread takes the updates in order, each when the step's
    // thread gets to it and the one before is over; it holds what it reads
    // until the compute op during which it should be over. An update with
    // no compute after it runs in place.
    double sideFree = 0.0;
    for (auto update : step.front().getOps<OptimizerUpdateOpInterface>()) {
      size_t first = computeBefore.lookup(update);
      if (first == begins.size() || (onHostOnly && !update.getOnHost()))
        continue;
      sideFree = std::max(sideFree, begins[first]) +
                 dsc::plannedSeconds(*machine, update);
      size_t last = first + 1;
      while (last < begins.size() && begins[last] < sideFree)
        ++last;
      update.setBeside(last - first);
      ++numBeside;
    }
  }
};

} // namespace
