//===- LowerToRuntime.cpp - -ds-lower-to-runtime --------------------------===//
//
// ds training step -> dsrt step: persistent buffers for the arguments, arena
// slots placed by liveness for everything else, one kernel call per op.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/MemoryPlan.h"
#include "dsc/Analysis/StepPhases.h"
#include "dsc/Conversion/Passes.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

namespace dsc {
#define GEN_PASS_DEF_LOWERTORUNTIMEPASS
#include "dsc/Conversion/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

MemRefType bufferType(Type tensor) {
  auto type = cast<RankedTensorType>(tensor);
  return MemRefType::get(type.getShape(), type.getElementType());
}

/// The most bytes a plan's values may add up to (4 EiB): sizes and offsets
/// stay far from overflowing 64 bits.
constexpr int64_t kMaxStepBytes = int64_t(1) << 62;

/// The bytes of a tensor of `type`, or none past kMaxStepBytes. Booleans
/// take a byte each, as in LibTorch.
std::optional<int64_t> checkedByteSize(ShapedType type) {
  int64_t bits = type.getElementType().getIntOrFloatBitWidth();
  int64_t bytes = std::max<int64_t>(bits / 8, 1);
  for (int64_t dim : type.getShape())
    if (dim < 0 || llvm::MulOverflow(bytes, dim, bytes) ||
        bytes > kMaxStepBytes)
      return std::nullopt;
  return bytes;
}

uint64_t byteSize(MemRefType type) { return *checkedByteSize(type); }

/// Fails, at the value's op or argument, when a value of the step or all of
/// them together hold more than kMaxStepBytes.
LogicalResult checkStepBytes(func::FuncOp trainStep) {
  int64_t total = 0;
  auto check = [&](Value value, Location loc) -> LogicalResult {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type)
      return success();
    std::optional<int64_t> bytes = checkedByteSize(type);
    if (!bytes || llvm::AddOverflow(total, *bytes, total) ||
        total > kMaxStepBytes)
      return emitError(loc)
             << (bytes ? "with a value of type " : "a value of type ") << type
             << (bytes ? ", the step holds" : " holds")
             << " more than 2^62 bytes (4 EiB); no plan can hold it";
    return success();
  };
  for (BlockArgument arg : trainStep.getArguments())
    if (failed(check(arg, arg.getLoc())))
      return failure();
  for (Operation &op : trainStep.front())
    for (Value result : op.getResults())
      if (failed(check(result, op.getLoc())))
        return failure();
  return success();
}

/// Each ds.recompute region runs where it stands: its ops join the step's
/// body in order, reading the region's inputs, and its users read what it
/// yields.
/// Returns the ops that were in a region.
DenseSet<Operation *> inlineRecomputeRegions(Block &entry) {
  DenseSet<Operation *> recomputed;
  SmallVector<ds::RecomputeOp> regions(entry.getOps<ds::RecomputeOp>());
  for (ds::RecomputeOp region : regions) {
    Block &body = region.getBody().front();
    auto yield = cast<ds::YieldOp>(body.getTerminator());
    SmallVector<Value> results(yield.getValues());
    yield.erase();
    for (Operation &op : body)
      recomputed.insert(&op);
    for (auto [arg, input] : llvm::zip(body.getArguments(), region.getInputs()))
      arg.replaceAllUsesWith(input);
    entry.getOperations().splice(Block::iterator(region), body.getOperations());
    region.replaceAllUsesWith(results);
    region.erase();
  }
  return recomputed;
}

/// The argument `v` is a view or a transfer of, if any: under ZeRO an
/// update reads this rank's flat piece of its parameter (reshape, pad,
/// local_slice); an offloaded parameter is read through its reload, and an
/// update on the host reads an offloaded copy or its master copy (the
/// argument with the name its `ds.copy_of` gives).
BlockArgument parameterOf(Value v) {
  while (isa_and_present<ds::ReshapeOp, ds::PadOp, ds::LocalSliceOp, ds::WaitOp,
                         ds::ReloadOp, ds::OffloadOp>(v.getDefiningOp()))
    v = v.getDefiningOp()->getOperand(0);
  auto arg = dyn_cast<BlockArgument>(v);
  auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                  : func::FuncOp();
  if (!func)
    return arg;
  auto copyOf = func.getArgAttrOfType<StringAttr>(
      arg.getArgNumber(), mlir::ds::DSDialect::kCopyOfAttr);
  if (!copyOf)
    return arg;
  for (BlockArgument param : func.getArguments())
    if (func.getArgAttr(param.getArgNumber(), mlir::ds::DSDialect::kNameAttr) ==
        copyOf)
      return param;
  return BlockArgument();
}

/// An arena slot: the buffers (views) that share it and its lifetime.
struct Slot {
  uint64_t bytes = 0;
  int64_t firstUse = 0;
  int64_t lastUse = 0;
  SmallVector<dsrt::ArenaBufferOp> views;
};

dsrt::Phase phaseOf(dsc::StepPhase phase) {
  switch (phase) {
  case dsc::StepPhase::Forward:
    return dsrt::Phase::Forward;
  case dsc::StepPhase::Backward:
    return dsrt::Phase::Backward;
  case dsc::StepPhase::Optimizer:
    return dsrt::Phase::Optimizer;
  }
  llvm_unreachable("unknown phase");
}

/// A `ds` enumeration by its name; any other attribute as it is.
Attribute builtinForm(Attribute attr) {
  auto name = [&](StringRef text) -> Attribute {
    return StringAttr::get(attr.getContext(), text);
  };
  return llvm::TypeSwitch<Attribute, Attribute>(attr)
      .Case([&](ds::GeluApproximationAttr a) {
        return name(ds::stringifyGeluApproximation(a.getValue()));
      })
      .Case([&](ds::CompareDirectionAttr a) {
        return name(ds::stringifyCompareDirection(a.getValue()));
      })
      .Case([&](ds::ReductionKindAttr a) {
        return name(ds::stringifyReductionKind(a.getValue()));
      })
      .Case([&](ds::RoundingModeAttr a) {
        return name(ds::stringifyRoundingMode(a.getValue()));
      })
      .Default([](Attribute a) { return a; });
}

/// The `ds` op's attributes as the kernel sees them: its own, never ODS's
/// bookkeeping, in builtin forms. Which optional operands a layer norm has
/// is said by name, and whether an attention has sinks (its last operand).
DictionaryAttr kernelAttributes(Operation *op) {
  NamedAttrList attrs;
  Builder builder(op->getContext());
  for (NamedAttribute attr : op->getAttrs())
    if (attr.getName() != "operandSegmentSizes" &&
        attr.getName() != "resultSegmentSizes")
      attrs.append(attr.getName(), builtinForm(attr.getValue()));
  Value sinks = llvm::TypeSwitch<Operation *, Value>(op)
                    .Case<ds::AttentionOp, ds::AttentionGradOp>(
                        [](auto attention) { return attention.getSinks(); })
                    .Default([](Operation *) { return Value(); });
  if (sinks)
    attrs.append("has_sinks", builder.getI64IntegerAttr(1));
  if (auto norm = dyn_cast<ds::LayerNormOp>(op)) {
    attrs.append("has_weight",
                 builder.getI64IntegerAttr(norm.getWeight() ? 1 : 0));
    attrs.append("has_bias", builder.getI64IntegerAttr(norm.getBias() ? 1 : 0));
  }
  return attrs.getDictionary(op->getContext());
}

class Lowering {
public:
  Lowering(func::FuncOp trainStep, int64_t alignment)
      : trainStep(trainStep), alignment(alignment),
        builder(trainStep.getContext()) {}

  LogicalResult run();

private:
  LogicalResult mapArguments(Block &entry);
  /// The mesh axis splitting each dimension of input `arg` ("" where
  /// whole), from its `ds.sharding`; null when it has none.
  FailureOr<ArrayAttr> splitAxes(BlockArgument arg, StringRef name);
  LogicalResult collectInPlaceUpdates(func::ReturnOp ret);
  LogicalResult lowerOp(Operation *op, int64_t index);
  void lowerWait(ds::WaitOp wait, int64_t index);
  dsrt::KernelOp createKernel(Operation *op, StringRef kernel,
                              ValueRange inputs, ValueRange outputs);
  Value newSlotBuffer(Value result, int64_t index);
  /// A buffer of `value`'s type in memory space `space`, named `name`.
  Value newHostBuffer(Value value, const Twine &name, StringAttr space);
  /// "host_update.<parameter>": the stem of the names of the host buffers
  /// an update on the host reads and writes.
  std::string updateBufferName(ds::OptimizerUpdateOpInterface update);
  /// The other end of an offload: an activation's, or an operand of an
  /// update on the host.
  Value newOffloadBuffer(ds::OffloadOp offload);
  void markUses(Value dsValue, Value buffer);
  /// Keeps what each update marked `beside N` reads and writes in the arena
  /// until the N-th compute op after it: those may run while it does.
  void keepBesideUpdates(Block &entry);
  void markGradients();

  func::FuncOp trainStep;
  int64_t alignment;
  OpBuilder builder;
  func::FuncOp step;

  /// Ops that recompute forward values (from ds.recompute regions).
  DenseSet<Operation *> recomputed;
  /// ds value -> dsrt buffer.
  DenseMap<Value, Value> buffers;
  /// dsrt arena buffer -> its slot index.
  DenseMap<Value, size_t> slotOf;
  std::vector<Slot> slots;
  /// ds value returned as the new value of a persistent buffer.
  DenseMap<Value, Value> inPlace;
  /// New values of persistent buffers that cannot be written in place (a
  /// constant, another argument, one whose old value is read after it is
  /// computed: a buffer the forward pass resets), and the buffer each is
  /// copied into at the end of the step.
  SmallVector<std::pair<Value, Value>> copiedUpdates;
  /// A new value of swapped state written over its reloaded old value
  /// (ds.reload -> update -> ds.offload): result -> the reload.
  DenseMap<Value, Value> overReload;
  llvm::StringMap<BlockArgument> argsByName;
  DenseMap<Operation *, int64_t> indexOf;
  DenseMap<Operation *, dsc::StepPhase> phases;
  int64_t returnIndex = 0;
  /// Offloaded activations so far (their buffers' names).
  unsigned numActivations = 0;
};

FailureOr<ArrayAttr> Lowering::splitAxes(BlockArgument arg, StringRef name) {
  auto sharding = trainStep.getArgAttrOfType<ds::ShardingAttr>(
      arg.getArgNumber(), mlir::ds::DSDialect::kShardingAttr);
  if (!sharding)
    return ArrayAttr();
  SmallVector<StringRef> axes;
  for (auto [d, dim] : llvm::enumerate(sharding.getDims())) {
    if (sharding.hasPieces(d) || dim.size() > 1 ||
        !sharding.getPartial().empty())
      return trainStep.emitError()
             << "input '" << name << "' has the sharding " << sharding
             << "; the runtime splits an input's dimensions whole, each over "
                "at most one axis";
    axes.push_back(dim.empty() ? "" : cast<StringAttr>(dim[0]).getValue());
  }
  return builder.getStrArrayAttr(axes);
}

LogicalResult Lowering::mapArguments(Block &entry) {
  for (BlockArgument arg : trainStep.getArguments()) {
    auto role = trainStep.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(), mlir::ds::DSDialect::kRoleAttr);
    auto name = trainStep.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(), mlir::ds::DSDialect::kNameAttr);
    std::optional<dsrt::StorageKind> kind =
        role ? dsrt::symbolizeStorageKind(role.getValue()) : std::nullopt;
    if (!kind || !name)
      return trainStep.emitError()
             << "argument " << arg.getArgNumber()
             << " needs ds.name and ds.role = \"parameter\", \"state\" or "
                "\"input\"";
    // How the input is split over the mesh, and the shape of the user's data
    // where the compiler padded it: the runtime reads this rank's block of
    // the global batch.
    // Optimizer state split by ZeRO starts at zero on every rank: only
    // inputs are read by their split.
    FailureOr<ArrayAttr> split = *kind == dsrt::StorageKind::Input
                                     ? splitAxes(arg, name.getValue())
                                     : FailureOr<ArrayAttr>(ArrayAttr());
    if (failed(split))
      return failure();
    Attribute dataShape = trainStep.getArgAttr(
        arg.getArgNumber(), mlir::ds::DSDialect::kDataShapeAttr);
    if (dataShape && !isa<DenseI64ArrayAttr>(dataShape))
      return trainStep.emitError()
             << "ds.data_shape of '" << name.getValue()
             << "' must be an array<i64>, got " << dataShape;
    auto buffer = dsrt::PersistentOp::create(
        builder, arg.getLoc(), bufferType(arg.getType()), *kind, name, *split,
        cast_if_present<DenseI64ArrayAttr>(dataShape),
        trainStep.getArgAttrOfType<DenseI64ArrayAttr>(
            arg.getArgNumber(), mlir::ds::DSDialect::kValidRangeAttr),
        trainStep.getArgAttrOfType<StringAttr>(
            arg.getArgNumber(), mlir::ds::DSDialect::kMemorySpaceAttr),
        trainStep.getArgAttrOfType<StringAttr>(
            arg.getArgNumber(), mlir::ds::DSDialect::kCopyOfAttr));
    buffers[arg] = buffer;
    argsByName[name.getValue()] = arg;
  }
  return success();
}

LogicalResult Lowering::collectInPlaceUpdates(func::ReturnOp ret) {
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    auto updates = trainStep.getResultAttrOfType<StringAttr>(
        i, mlir::ds::DSDialect::kUpdatesAttr);
    if (!updates)
      continue;
    auto it = argsByName.find(updates.getValue());
    if (it == argsByName.end())
      return ret.emitError()
             << "result " << i << " updates \"" << updates.getValue()
             << "\", which is no argument";
    BlockArgument arg = it->second;
    if (value == arg)
      continue;
    Operation *producer = value.getDefiningOp();
    // Swapped state returns the ds.wait of its ds.offload: both are the
    // argument's swap file. A parameter an update on the host computed
    // returns the wait of its reload: that reads into the parameter.
    auto wait = dyn_cast_if_present<ds::WaitOp>(producer);
    auto offload =
        wait ? wait.getInput().getDefiningOp<ds::OffloadOp>() : nullptr;
    auto reload =
        wait ? wait.getInput().getDefiningOp<ds::ReloadOp>() : nullptr;
    if (reload && !isa<BlockArgument>(reload.getInput())) {
      producer = reload;
      inPlace[reload.getResult()] = buffers[arg];
    }
    if (!producer || inPlace.count(value) || isa<ds::ConstantOp>(producer)) {
      if (wait)
        return ret.emitError() << "result " << i
                               << " must be computed by its own op to update \""
                               << updates.getValue() << "\" in place";
      copiedUpdates.push_back({value, buffers[arg]});
      continue;
    }
    // Writing in place is safe when nothing reads the old value afterwards
    // and the producer reads it, if at all, elementwise (same type);
    // otherwise the new value is copied at the end of the step.
    int64_t at = indexOf.lookup(producer);
    Operation *laterReader = nullptr;
    for (OpOperand &use : arg.getUses()) {
      Operation *user = use.getOwner();
      if (indexOf.lookup(user) > at ||
          (user == producer && use.get().getType() != value.getType()))
        laterReader = user;
    }
    if (laterReader && wait)
      return laterReader->emitError()
             << "reads \"" << updates.getValue()
             << "\" after or while its new value is written in place";
    if (laterReader) {
      copiedUpdates.push_back({value, buffers[arg]});
      continue;
    }
    inPlace[value] = buffers[arg];
    // Swapped state: the update may write its new value over the reloaded
    // old one when it is that value's only reader and the offload the new
    // value's only reader.
    if (offload) {
      inPlace[offload] = buffers[arg];
      Value updated = offload.getInput();
      Operation *update = updated.getDefiningOp();
      if (!update || !updated.hasOneUse())
        continue;
      for (Value operand : update->getOperands()) {
        auto loaded = operand.getDefiningOp<ds::WaitOp>();
        auto reload =
            loaded ? loaded.getInput().getDefiningOp<ds::ReloadOp>() : nullptr;
        if (reload && reload.getInput() == arg && operand.hasOneUse() &&
            operand.getType() == updated.getType())
          overReload[updated] = operand;
      }
    }
  }
  return success();
}

Value Lowering::newHostBuffer(Value value, const Twine &name,
                              StringAttr space) {
  return dsrt::PersistentOp::create(
      builder, value.getLoc(), bufferType(value.getType()),
      dsrt::StorageKind::State, builder.getStringAttr(name), ArrayAttr(),
      DenseI64ArrayAttr(), DenseI64ArrayAttr(), space, StringAttr());
}

std::string Lowering::updateBufferName(ds::OptimizerUpdateOpInterface update) {
  BlockArgument param = parameterOf(update.getParam());
  auto name = param ? trainStep.getArgAttrOfType<StringAttr>(
                          param.getArgNumber(), mlir::ds::DSDialect::kNameAttr)
                    : StringAttr();
  if (name)
    return ("host_update." + name.getValue()).str();
  return "host_update." + std::to_string(indexOf.lookup(update));
}

Value Lowering::newOffloadBuffer(ds::OffloadOp offload) {
  // What an update on the host reads, by its operand.
  for (Operation *wait : offload->getUsers())
    for (OpOperand &use : wait->getUses())
      if (auto update =
              dyn_cast<ds::OptimizerUpdateOpInterface>(use.getOwner()))
        return newHostBuffer(offload,
                             updateBufferName(update) + ".operand" +
                                 Twine(use.getOperandNumber()),
                             offload.getSpaceAttr());
  return newHostBuffer(
      offload,
      "activation." + Twine(numActivations++) + "." +
          offload.getInput().getDefiningOp()->getName().stripDialect(),
      offload.getSpaceAttr());
}

Value Lowering::newSlotBuffer(Value result, int64_t index) {
  auto type = bufferType(result.getType());
  auto view = dsrt::ArenaBufferOp::create(builder, result.getLoc(), type,
                                          /*offset=*/0);
  slots.push_back(Slot{byteSize(type), index, index, {view}});
  slotOf[view] = slots.size() - 1;
  return view;
}

void Lowering::markUses(Value dsValue, Value buffer) {
  auto it = slotOf.find(buffer);
  if (it == slotOf.end())
    return;
  Slot &slot = slots[it->second];
  for (Operation *user : dsValue.getUsers())
    slot.lastUse = std::max(slot.lastUse, indexOf.lookup(user));
}

LogicalResult Lowering::lowerOp(Operation *op, int64_t index) {
  if (auto constant = dyn_cast<ds::ConstantOp>(op)) {
    buffers[constant] = dsrt::ConstantOp::create(builder, op->getLoc(),
                                                 bufferType(constant.getType()),
                                                 constant.getValue());
    return success();
  }
  if (op->getDialect() != op->getContext()->getLoadedDialect<ds::DSDialect>())
    return op->emitError() << "ds-lower-to-runtime cannot lower this op";

  if (auto wait = dyn_cast<ds::WaitOp>(op)) {
    lowerWait(wait, index);
    return success();
  }
  SmallVector<Value> inputs;
  for (Value operand : op->getOperands())
    inputs.push_back(buffers.lookup(operand));

  // A reshape of an arena value is a view of the same slot.
  if (auto reshape = dyn_cast<ds::ReshapeOp>(op)) {
    auto source = slotOf.find(inputs[0]);
    if (source != slotOf.end() && !inPlace.count(reshape.getResult())) {
      auto view = dsrt::ArenaBufferOp::create(builder, op->getLoc(),
                                              bufferType(reshape.getType()), 0);
      slots[source->second].views.push_back(view);
      slotOf[view] = source->second;
      buffers[reshape.getResult()] = view;
      markUses(reshape.getResult(), view);
      return success();
    }
  }

  // An offloaded activation's other end, or what an update on the host
  // reads: a buffer of its own in the memory space, written by the
  // offload.
  if (auto offload = dyn_cast<ds::OffloadOp>(op);
      offload && !inPlace.count(offload.getResult()))
    inPlace[offload.getResult()] = newOffloadBuffer(offload);

  auto hostUpdate = dyn_cast<ds::OptimizerUpdateOpInterface>(op);
  if (hostUpdate && !hostUpdate.getOnHost())
    hostUpdate = nullptr;
  SmallVector<Value> outputs;
  for (Value result : op->getResults()) {
    Value buffer = inPlace.lookup(result);
    if (!buffer)
      buffer = buffers.lookup(overReload.lookup(result));
    // The new parameter (every update's result 0) over the copy of the old
    // one that the update alone reads (the kernel stages what it cannot
    // write in place).
    if (!buffer && hostUpdate && result == op->getResult(0) &&
        hostUpdate.getParam().hasOneUse() &&
        hostUpdate.getParam().getDefiningOp<ds::WaitOp>())
      buffer = buffers.lookup(hostUpdate.getParam());
    if (!buffer && hostUpdate)
      buffer =
          newHostBuffer(result,
                        updateBufferName(hostUpdate) + ".result" +
                            Twine(cast<OpResult>(result).getResultNumber()),
                        builder.getStringAttr("cpu"));
    if (!buffer)
      buffer = newSlotBuffer(result, index);
    buffers[result] = buffer;
    markUses(result, buffer);
    outputs.push_back(buffer);
  }
  createKernel(op, op->getName().stripDialect(), inputs, outputs);
  return success();
}

dsrt::KernelOp Lowering::createKernel(Operation *op, StringRef kernel,
                                      ValueRange inputs, ValueRange outputs) {
  // A collective's mesh is the kernel's own: what makes it a collective.
  NamedAttrList attrs(kernelAttributes(op));
  auto mesh = dyn_cast_if_present<FlatSymbolRefAttr>(attrs.get("mesh"));
  if (mesh)
    attrs.erase("mesh");
  auto call = dsrt::KernelOp::create(
      builder, op->getLoc(), builder.getStringAttr(kernel), inputs, outputs,
      attrs.getDictionary(op->getContext()), mesh,
      dsrt::PhaseAttr::get(op->getContext(), phaseOf(phases.lookup(op))),
      FloatAttr(), FloatAttr(), UnitAttr(), UnitAttr());
  if (auto cost = dyn_cast<ds::CostOpInterface>(op)) {
    call.setFlopsAttr(builder.getF64FloatAttr(cost.getFlops()));
    call.setBytesAttr(
        builder.getF64FloatAttr(cost.getBytesRead() + cost.getBytesWritten()));
    call.setMatrixUnits(cost.usesMatrixUnits());
  }
  call.setRecompute(recomputed.contains(op));
  return call;
}

/// The end of a transfer, with the operands and results of its start:
/// `reload_wait` (swap file -> the reload's buffer, which may be read
/// after it) or `offload_wait` (the offloaded buffer, allocated until
/// then -> swap file).
void Lowering::lowerWait(ds::WaitOp wait, int64_t index) {
  Operation *start = wait.getInput().getDefiningOp();
  Value file, memory;
  if (auto reload = dyn_cast<ds::ReloadOp>(start)) {
    file = buffers.lookup(reload.getInput());
    memory = buffers.lookup(reload.getResult());
    buffers[wait.getResult()] = memory;
    markUses(wait.getResult(), memory);
    createKernel(wait, "reload_wait", file, memory);
    return;
  }
  auto offload = cast<ds::OffloadOp>(start);
  file = buffers.lookup(offload.getResult());
  memory = buffers.lookup(offload.getInput());
  buffers[wait.getResult()] = file;
  if (auto it = slotOf.find(memory); it != slotOf.end())
    slots[it->second].lastUse = std::max(slots[it->second].lastUse, index);
  createKernel(wait, "offload_wait", memory, file);
}

void Lowering::keepBesideUpdates(Block &entry) {
  for (auto update : entry.getOps<ds::OptimizerUpdateOpInterface>()) {
    std::optional<uint64_t> overlapped = update.getBeside();
    if (!overlapped)
      continue;
    // Until the last compute op it runs beside.
    int64_t until = returnIndex;
    uint64_t seen = 0;
    for (Operation *op = update->getNextNode(); op; op = op->getNextNode())
      if (ds::isOverlappedCompute(op) && ++seen == *overlapped) {
        until = indexOf.lookup(op);
        break;
      }
    for (Value value :
         llvm::concat<Value>(update->getOperands(), update->getResults()))
      if (auto it = slotOf.find(buffers.lookup(value)); it != slotOf.end())
        slots[it->second].lastUse = std::max(slots[it->second].lastUse, until);
  }
}

void Lowering::markGradients() {
  // In the parameters' order, whatever order the updates run in.
  SmallVector<std::pair<unsigned, ds::OptimizerUpdateOpInterface>> updates;
  // Under ZeRO an update reads this rank's piece of its parameter and of its
  // gradient, which the plan lists (Plan::gradients: ds-run gathers the
  // pieces).
  for (Operation &op : trainStep.front())
    if (auto update = dyn_cast<ds::OptimizerUpdateOpInterface>(&op))
      if (BlockArgument param = parameterOf(update.getParam()))
        updates.push_back({param.getArgNumber(), update});
  llvm::stable_sort(updates, llvm::less_first());
  for (auto [argNumber, update] : updates)
    dsrt::GradientOp::create(builder, update->getLoc(),
                             buffers.lookup(trainStep.getArgument(argNumber)),
                             buffers.lookup(update.getGrad()));
}

LogicalResult Lowering::run() {
  if (!trainStep.getBody().hasOneBlock())
    return trainStep.emitError() << "@train_step must have one block";
  Block &entry = trainStep.front();
  auto ret = dyn_cast<func::ReturnOp>(entry.getTerminator());
  if (!ret || ret.getNumOperands() < 1)
    return trainStep.emitError() << "@train_step must return the loss first";

  builder.setInsertionPoint(trainStep);
  step = func::FuncOp::create(builder, trainStep.getLoc(), "step",
                              builder.getFunctionType({}, {}));
  builder.setInsertionPointToStart(step.addEntryBlock());

  recomputed = inlineRecomputeRegions(entry);
  if (failed(checkStepBytes(trainStep)))
    return failure();
  FailureOr<DenseMap<Operation *, dsc::StepPhase>> stepPhases =
      dsc::computePhases(trainStep);
  if (failed(stepPhases))
    return failure();
  phases = std::move(*stepPhases);
  int64_t index = 0;
  for (Operation &op : entry)
    indexOf[&op] = index++;
  returnIndex = indexOf[ret];

  if (failed(mapArguments(entry)) || failed(collectInPlaceUpdates(ret)))
    return failure();
  for (Operation &op : entry.without_terminator())
    if (failed(lowerOp(&op, indexOf[&op])))
      return failure();

  // After every reader of their old values.
  for (auto [value, buffer] : copiedUpdates)
    dsrt::KernelOp::create(
        builder, value.getLoc(), builder.getStringAttr("convert"),
        ValueRange{buffers.lookup(value)}, ValueRange{buffer},
        builder.getDictionaryAttr({}), FlatSymbolRefAttr(),
        dsrt::PhaseAttr::get(builder.getContext(), dsrt::Phase::Optimizer),
        FloatAttr(), FloatAttr(), UnitAttr(), UnitAttr());
  Value loss = buffers.lookup(ret.getOperand(0));
  if (auto it = slotOf.find(loss); it != slotOf.end())
    slots[it->second].lastUse = returnIndex;
  dsrt::LossOp::create(builder, trainStep.getLoc(), loss);
  keepBesideUpdates(entry);
  markGradients();
  func::ReturnOp::create(builder, trainStep.getLoc());

  std::vector<dsc::BufferLifetime> lifetimes;
  for (const Slot &slot : slots)
    lifetimes.push_back({slot.bytes, slot.firstUse, slot.lastUse});
  dsc::MemoryPlan plan = dsc::planMemory(lifetimes, alignment);
  for (auto [slot, offset] : llvm::zip(slots, plan.offsets))
    for (dsrt::ArenaBufferOp view : slot.views)
      view.setOffset(offset);

  step->setAttr("dsrt.arena_bytes", builder.getI64IntegerAttr(plan.peakBytes));
  step->setAttr("dsrt.arena_alignment", builder.getI64IntegerAttr(alignment));
  trainStep.erase();
  return success();
}

struct LowerToRuntimePass
    : dsc::impl::LowerToRuntimePassBase<LowerToRuntimePass> {
  using LowerToRuntimePassBase::LowerToRuntimePassBase;

  void runOnOperation() override {
    if (alignment < 1 || (alignment & (alignment - 1))) {
      getOperation().emitError() << "alignment must be a power of two";
      return signalPassFailure();
    }
    auto trainStep = getOperation().lookupSymbol<func::FuncOp>(
        mlir::ds::DSDialect::kTrainStepFunc);
    if (!trainStep) {
      getOperation().emitError()
          << "ds-lower-to-runtime needs func.func @train_step (run "
             "-ds-autodiff first)";
      return signalPassFailure();
    }
    if (failed(Lowering(trainStep, alignment).run()))
      return signalPassFailure();
    // The mesh, at the runtime's level.
    for (ds::MeshOp mesh :
         llvm::make_early_inc_range(getOperation().getOps<ds::MeshOp>())) {
      OpBuilder builder(mesh);
      dsrt::MeshOp::create(builder, mesh.getLoc(), mesh.getSymName(),
                           mesh.getAxisNames(), mesh.getAxisSizes());
      mesh.erase();
    }
  }
};

} // namespace
