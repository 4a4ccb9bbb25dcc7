//===- HostUpdates.cpp - -ds-host-updates ---------------------------------===//
//
// Moves the optimizer updates of state kept in host memory to the host, as
// ZeRO-Offload does: the update reads and writes that state where it is,
// and the gradient (and a parameter in device memory) goes out to it
// instead. The decision is the update's `on_host`; the transfers it needs
// are ordinary ds.offload / ds.reload pairs, which -ds-place-transfers
// places like any other. A parameter in device memory gets a master copy
// in host memory, a state argument that starts as a copy of its weights
// (`ds.copy_of`): the update reads and writes it there, so the parameter
// never goes out.
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

/// Whether `use` returns a value as the new value of an argument in host
/// memory (written there in place).
bool updatesHostArgument(func::FuncOp step, OpOperand &use) {
  if (!isa<func::ReturnOp>(use.getOwner()))
    return false;
  auto name = step.getResultAttrOfType<StringAttr>(use.getOperandNumber(),
                                                   DSDialect::kUpdatesAttr);
  if (!name)
    return false;
  for (BlockArgument arg : step.getArguments())
    if (step.getArgAttr(arg.getArgNumber(), DSDialect::kNameAttr) == name)
      return hostArgument(step, arg) != nullptr;
  return false;
}

/// A one-element integer tensor: the runtime reads it on the host where it
/// is.
bool isHostScalar(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isInteger() &&
         type.getNumElements() == 1;
}

/// Erases the op that defines `value` if nothing reads it now, and then
/// the ops before it that nothing reads either.
void eraseIfUnused(Value value) {
  Operation *op = value.getDefiningOp();
  while (op && op->use_empty() &&
         (isPure(op) || isa<WaitOp, ReloadOp, OffloadOp>(op))) {
    Operation *input =
        op->getNumOperands() == 1 ? op->getOperand(0).getDefiningOp() : nullptr;
    op->erase();
    op = input;
  }
}

/// The master copy a parameter operand `value` of an update can be
/// replaced with: a state argument in host memory that starts as what
/// `value` is at the first step and that the update keeps equal to it.
struct MasterCopy {
  /// The parameter argument, in device memory.
  BlockArgument param;
  /// The copy's type and its ds.sharding and ds.data_shape (a flat piece).
  RankedTensorType type;
  Attribute sharding;
  DenseI64ArrayAttr dataShape;
};

/// A parameter argument in device memory and whole, or a ZeRO stage 3
/// piece of one.
bool isDeviceParameter(func::FuncOp step, Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  if (!arg || arg.getOwner() != &step.front())
    return false;
  unsigned n = arg.getArgNumber();
  auto role = step.getArgAttrOfType<StringAttr>(n, DSDialect::kRoleAttr);
  return role && role.getValue() == "parameter" &&
         !step.getArgAttr(n, DSDialect::kMemorySpaceAttr);
}

/// What the update's parameter operand `value` is a copy of: the parameter
/// argument itself (whole, or its ZeRO-3 piece with the argument's
/// sharding), or this rank's flat piece of a whole one as ZeRO 1 and 2 cut
/// it (reshaped flat, zero-padded at the end to a multiple of the ranks,
/// the rank's slice over every mesh axis in order, reshaped), which the
/// runtime cuts from the weights the same way. Anything else gets none.
std::optional<MasterCopy> masterCopyOf(func::FuncOp step, Value value,
                                       Attribute stateSharding) {
  auto type = cast<RankedTensorType>(value.getType());
  if (isDeviceParameter(step, value)) {
    auto param = cast<BlockArgument>(value);
    unsigned n = param.getArgNumber();
    return MasterCopy{
        param, type, step.getArgAttr(n, DSDialect::kShardingAttr),
        step.getArgAttrOfType<DenseI64ArrayAttr>(n, DSDialect::kDataShapeAttr)};
  }
  // Reshapes (of a flat value split over several axes) keep the order.
  auto skipReshapes = [](Value v) {
    while (auto reshape = v.getDefiningOp<ReshapeOp>())
      v = reshape.getInput();
    return v;
  };
  auto slice = skipReshapes(value).getDefiningOp<LocalSliceOp>();
  if (!slice || slice.getDim() != 0 || type.getRank() != 1 || !stateSharding ||
      cast<RankedTensorType>(slice.getInput().getType()).getRank() != 1)
    return std::nullopt;
  auto mesh =
      SymbolTable::lookupNearestSymbolFrom<MeshOp>(slice, slice.getMeshAttr());
  if (!mesh || slice.getAxes() != mesh.getAxisNames())
    return std::nullopt;
  Value flat = skipReshapes(slice.getInput());
  if (auto pad = flat.getDefiningOp<PadOp>()) {
    if (pad.getLow() != ArrayRef<int64_t>{0} ||
        pad.getStrides() != ArrayRef<int64_t>{1})
      return std::nullopt;
    flat = pad.getInput();
  }
  auto param = dyn_cast<BlockArgument>(skipReshapes(flat));
  if (!param || !isDeviceParameter(step, param) ||
      step.getArgAttr(param.getArgNumber(), DSDialect::kShardingAttr))
    return std::nullopt;
  // A 0-d parameter's piece would have an empty data shape, which reads as
  // none.
  auto whole = cast<RankedTensorType>(param.getType());
  int64_t numel = whole.getNumElements(), ranks = mesh.getNumRanks();
  if (whole.getRank() == 0 || type.getDimSize(0) != (numel + ranks - 1) / ranks)
    return std::nullopt;
  return MasterCopy{
      param, type, stateSharding,
      DenseI64ArrayAttr::get(step.getContext(), whole.getShape())};
}

struct HostUpdatesPass : dsc::impl::HostUpdatesPassBase<HostUpdatesPass> {
  using HostUpdatesPassBase::HostUpdatesPassBase;

  void runOnOperation() override {
    auto step =
        getOperation().lookupSymbol<func::FuncOp>(DSDialect::kTrainStepFunc);
    if (!step)
      return;
    SmallVector<OptimizerUpdateOpInterface> updates(
        step.front().getOps<OptimizerUpdateOpInterface>());
    for (OptimizerUpdateOpInterface update : updates)
      if (stateInHost(step, update)) {
        if (masterCopies)
          keepMasterCopy(step, update);
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

  /// Gives a parameter in device memory a master copy in host memory: a
  /// new state argument, "master.<parameter>", that starts as a copy of
  /// the parameter's weights; the update reads it for the parameter, and
  /// its new value is the copy's next value (it still comes back to the
  /// parameter).
  void keepMasterCopy(func::FuncOp step, OptimizerUpdateOpInterface update) {
    Attribute stateSharding;
    for (Value operand : update->getOperands())
      if (BlockArgument arg = hostArgument(step, operand))
        stateSharding =
            step.getArgAttr(arg.getArgNumber(), DSDialect::kShardingAttr);
    Value param = update.getParam();
    std::optional<MasterCopy> copy = masterCopyOf(step, param, stateSharding);
    if (!copy)
      return;
    MLIRContext *context = step.getContext();
    auto paramName = step.getArgAttrOfType<StringAttr>(
        copy->param.getArgNumber(), DSDialect::kNameAttr);
    std::string name = ("master." + paramName.getValue()).str();
    NamedAttrList attrs;
    attrs.set(DSDialect::kNameAttr, StringAttr::get(context, name));
    attrs.set(DSDialect::kRoleAttr, StringAttr::get(context, "state"));
    attrs.set(DSDialect::kMemorySpaceAttr, StringAttr::get(context, kHost));
    attrs.set(DSDialect::kCopyOfAttr, paramName);
    if (copy->sharding)
      attrs.set(DSDialect::kShardingAttr, copy->sharding);
    if (copy->dataShape)
      attrs.set(DSDialect::kDataShapeAttr, copy->dataShape);
    // After the last state argument, before the inputs.
    unsigned at = 0;
    for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i) {
      auto role = step.getArgAttrOfType<StringAttr>(i, DSDialect::kRoleAttr);
      if (role && role.getValue() != "input")
        at = i + 1;
    }
    if (failed(step.insertArgument(at, copy->type, attrs.getDictionary(context),
                                   copy->param.getLoc())))
      return;
    BlockArgument master = step.getArgument(at);
    update.getParamMutable().set(master);
    eraseIfUnused(param);

    auto ret = cast<func::ReturnOp>(step.front().getTerminator());
    unsigned result = step.getNumResults();
    DictionaryAttr updates = DictionaryAttr::get(
        context, {NamedAttribute(DSDialect::kUpdatesAttr,
                                 StringAttr::get(context, name))});
    if (failed(step.insertResult(result, copy->type, updates)))
      return;
    ret.getOperandsMutable().append(update.getNewParam());
    ++numMasterCopies;
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
        if (updatesHostArgument(step, use))
          continue;
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
