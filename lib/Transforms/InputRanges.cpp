//===- InputRanges.cpp - -ds-input-ranges ---------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

namespace dsc {
#define GEN_PASS_DEF_INPUTRANGESPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

/// Whether every value of `use`'s operand reaches the owner's result
/// unchanged: then what the result must hold, the operand must too.
bool keepsEveryValue(OpOperand &use) {
  return llvm::TypeSwitch<Operation *, bool>(use.getOwner())
      .Case<ReshapeOp, TransposeOp, BroadcastOp, ConcatOp, StopGradientOp>(
          [](Operation *) { return true; })
      .Case([](ConvertOp convert) {
        auto from = dyn_cast<IntegerType>(
            getElementTypeOrSelf(convert.getOperand().getType()));
        auto to =
            dyn_cast<IntegerType>(getElementTypeOrSelf(convert.getType()));
        return from && to && to.getWidth() >= from.getWidth();
      })
      .Default([](Operation *) { return false; });
}

/// What every indexing op that `input`'s values reach accepts; none when no
/// indexing op reads them whole.
std::optional<IndexRange> rangeOf(Value input) {
  std::optional<IndexRange> range;
  SmallVector<Value> worklist = {input};
  DenseSet<Value> seen = {input};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *owner = use.getOwner();
      if (auto indexing = dyn_cast<IndexingOpInterface>(owner))
        if (std::optional<IndexRange> accepted =
                indexing.getIndexRange(use.getOperandNumber()))
          range = range ? range->intersect(*accepted) : *accepted;
      if (keepsEveryValue(use))
        for (Value result : owner->getResults())
          if (seen.insert(result).second)
            worklist.push_back(result);
    }
  }
  return range;
}

struct InputRangesPass : dsc::impl::InputRangesPassBase<InputRangesPass> {
  void runOnOperation() override {
    auto step =
        getOperation().lookupSymbol<func::FuncOp>(DSDialect::kTrainStepFunc);
    if (!step)
      return;
    Builder builder(&getContext());
    for (BlockArgument arg : step.getArguments()) {
      auto role = step.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                    DSDialect::kRoleAttr);
      if (!role || role.getValue() != "input" ||
          !isa<IntegerType>(getElementTypeOrSelf(arg.getType())))
        continue;
      std::optional<IndexRange> range = rangeOf(arg);
      if (!range)
        continue;
      SmallVector<int64_t> values = {range->lo, range->hi};
      if (range->also)
        values.push_back(*range->also);
      step.setArgAttr(arg.getArgNumber(), DSDialect::kValidRangeAttr,
                      builder.getDenseI64ArrayAttr(values));
    }
  }
};

} // namespace
