//===- PropagateSharding.cpp - -ds-propagate-sharding ---------------------===//
//
// Declares the mesh, splits the model inputs, and walks the training step
// in order: the shared engine (dsc::ShardingPropagation) decides each op's
// shardings, and this pass writes them into the IR: `ds.reshard` before an
// operand that must change, `ds.shardings` on the op, and `ds.reshard`
// after a result that is partial or must move back. Types stay global.
//
//===----------------------------------------------------------------------===//

#include "PartitionInputs.h"

#include "dsc/Analysis/ShardingPropagation.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/Debug.h"

#include <map>

#define DEBUG_TYPE "ds-propagate-sharding"

namespace dsc {
#define GEN_PASS_DEF_PROPAGATESHARDINGPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;
using dsc::Layout;
using dsc::ValueSharding;

namespace {

class ShardingWriter {
public:
  ShardingWriter(func::FuncOp step, dsc::MeshAxes mesh,
                 FlatSymbolRefAttr meshSymbol)
      : step(step), engine(std::move(mesh)), meshSymbol(meshSymbol),
        builder(step.getContext()) {}

  void setInputLayout(BlockArgument arg, const Layout &layout) {
    engine.setLayout(arg, layout);
  }
  void run();

  int64_t numSharded = 0, numReshards = 0;
  bool failed = false;

private:
  /// `value` in layout `to`: itself, an earlier reshard of it, or a new one.
  Value reshard(Value value, const Layout &to, Location loc);
  /// A new `ds.reshard` of `value` to `sharding`.
  Value createReshard(Value value, const ValueSharding &sharding,
                      Location loc) {
    ++numReshards;
    Value v = ReshardOp::create(
        builder, loc, value,
        toAttr(builder.getContext(), meshSymbol, engine.getMesh(), sharding));
    engine.setLayout(v, sharding.layout);
    return v;
  }
  std::string str(const Layout &layout) const {
    return layout.str(engine.getMesh().names);
  }

  func::FuncOp step;
  dsc::ShardingPropagation engine;
  FlatSymbolRefAttr meshSymbol;
  OpBuilder builder;
  /// Reshards already made, so that one value is resharded once per layout.
  std::map<std::pair<void *, std::string>, Value> reshards;
  /// A value moved back after its op (attention's output), to the op's
  /// completed result in the op's layout.
  DenseMap<Value, Value> movedBackFrom;
  /// The partial axes a widening conversion carries from its input to its
  /// result (see widens()).
  DenseMap<Value, SmallVector<std::pair<int, ReductionKind>>> carried;
};

/// Whether `op` converts floats to a type that holds every value of the
/// input's (bfloat16 or float16 to float32): exactly, so it converts each
/// rank's part of a partial sum as it would the sum, and the sum is taken
/// after it, in the wider type: for the partial sums of ops that cannot
/// accumulate wide (see accumulatedType), each rank's part rounded once
/// and summed in float32, as DistributedDataParallel sums a float32
/// parameter's gradient under autocast, not rounded at each addition.
bool widens(Operation *op) {
  auto convert = dyn_cast<ConvertOp>(op);
  if (!convert)
    return false;
  auto from = dyn_cast<FloatType>(
      cast<ShapedType>(convert.getInput().getType()).getElementType());
  auto to =
      dyn_cast<FloatType>(cast<ShapedType>(convert.getType()).getElementType());
  return from && to && from != to &&
         llvm::APFloat::isRepresentableBy(from.getFloatSemantics(),
                                          to.getFloatSemantics());
}

/// The float32 type that `result`, a bfloat16 or float16 partial sum
/// (`partial`), takes where its op accumulates it in float32
/// (ShardingRuleOpInterface::accumulatesInFloat32: products, sums, a
/// norm's parameter gradients): each rank's part is summed unrounded and
/// the one rounding to the half type follows the all-reduce, as the
/// single-device op rounds its float32 accumulator once. Rounding each
/// part before the sum would move most elements of the gradient by a step
/// of the half type.
std::optional<RankedTensorType>
accumulatedType(OpResult result,
                ArrayRef<std::pair<int, ReductionKind>> partial) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  auto rule = dyn_cast<ShardingRuleOpInterface>(result.getOwner());
  if (!type || !rule || partial.empty() ||
      !isa<BFloat16Type, Float16Type>(type.getElementType()) ||
      !rule.accumulatesInFloat32(result.getResultNumber()))
    return std::nullopt;
  if (llvm::any_of(partial, [](auto &p) {
        return p.second != ReductionKind::Sum &&
               p.second != ReductionKind::Mean;
      }))
    return std::nullopt;
  return type.clone(Float32Type::get(type.getContext()));
}

/// Whether a partial sum whose one reader is `op` is carried to `op`'s
/// result: a widening conversion, or, on the way to one, a reshape of a
/// value no rank splits (a bias's gradient, summed keeping its dimensions),
/// which moves no data between ranks.
bool carriesPartialSum(Operation *op, const Layout &layout) {
  if (widens(op))
    return true;
  Value result = isa<ReshapeOp>(op) ? op->getResult(0) : Value();
  return result && layout.isReplicated() && result.hasOneUse() &&
         widens(*result.user_begin());
}

Value ShardingWriter::reshard(Value value, const Layout &to, Location loc) {
  if (engine.layoutOf(value) == to)
    return value;
  // Wanted in the op's layout again (by the backward): use the op's
  // completed result itself.
  if (auto it = movedBackFrom.find(value); it != movedBackFrom.end())
    if (engine.layoutOf(it->second) == to)
      return it->second;
  auto key = std::make_pair(value.getAsOpaquePointer(), str(to));
  if (auto it = reshards.find(key); it != reshards.end())
    return it->second;
  Value v = createReshard(value, {to, {}}, loc);
  reshards[key] = v;
  return v;
}

void ShardingWriter::run() {
  SmallVector<Operation *> ops;
  for (Operation &op : step.front())
    ops.push_back(&op);
  MLIRContext *context = step.getContext();
  for (Operation *op : ops) {
    std::optional<dsc::OpSharding> decision = engine.propagate(op);
    if (auto it = op->getNumOperands() == 1 ? carried.find(op->getOperand(0))
                                            : carried.end();
        it != carried.end()) {
      if (!decision)
        decision = dsc::OpSharding{{std::nullopt},
                                   {{engine.layoutOf(op->getResult(0)), {}}},
                                   {std::nullopt}};
      // The operand is a partial sum: moving it would treat it as complete.
      if (decision->operands[0] &&
          *decision->operands[0] != engine.layoutOf(op->getOperand(0))) {
        op->emitError() << "ds-propagate-sharding: a partial sum carried to "
                           "this op would be resharded before it is summed";
        failed = true;
        return;
      }
      decision->results[0].partial = it->second;
    }
    if (!decision)
      continue;
    ++numSharded;
    LLVM_DEBUG({
      llvm::dbgs() << "[" DEBUG_TYPE "] " << op->getName() << " at "
                   << op->getLoc() << "\n";
      for (auto [i, layout] : llvm::enumerate(decision->operands))
        if (layout)
          llvm::dbgs() << "  operand " << i << ": "
                       << str(engine.layoutOf(op->getOperand(i))) << " -> "
                       << str(*layout) << "\n";
      for (auto [i, result] : llvm::enumerate(decision->results))
        llvm::dbgs() << "  result " << i << ": " << str(result.layout)
                     << (result.partial.empty() ? "" : " partial")
                     << (decision->restore[i]
                             ? " then " + str(*decision->restore[i])
                             : std::string())
                     << "\n";
    });
    builder.setInsertionPoint(op);
    for (auto [i, layout] : llvm::enumerate(decision->operands))
      if (layout)
        op->setOperand(i, reshard(op->getOperand(i), *layout, op->getLoc()));
    if (decision->results.empty())
      continue;
    op->setAttr(mlir::ds::DSDialect::kShardingsAttr,
                builder.getArrayAttr(llvm::map_to_vector(
                    decision->results, [&](const ValueSharding &s) {
                      return Attribute(
                          toAttr(context, meshSymbol, engine.getMesh(), s));
                    })));
    builder.setInsertionPointAfter(op);
    for (auto [i, result] : llvm::enumerate(op->getResults())) {
      const ValueSharding &sharding = decision->results[i];
      const std::optional<Layout> &back = decision->restore[i];
      engine.setLayout(result, sharding.layout);
      if (sharding.partial.empty() && !back)
        continue;
      std::optional<RankedTensorType> wide =
          back ? std::nullopt : accumulatedType(result, sharding.partial);
      if (!wide && !back && result.hasOneUse() &&
          carriesPartialSum(*result.user_begin(), sharding.layout)) {
        carried[result] = sharding.partial;
        continue;
      }
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : result.getUses())
        uses.push_back(&use);
      Type narrow = result.getType();
      if (wide)
        result.setType(*wide);
      Value v = result;
      if (!sharding.partial.empty())
        v = createReshard(v, {sharding.layout, {}}, op->getLoc());
      if (wide) {
        // Completed in float32, rounded once.
        v = ConvertOp::create(builder, op->getLoc(), narrow, v);
        v.getDefiningOp()->setAttr(
            mlir::ds::DSDialect::kShardingsAttr,
            builder.getArrayAttr({toAttr(context, meshSymbol, engine.getMesh(),
                                         {sharding.layout, {}})}));
        engine.setLayout(v, sharding.layout);
      }
      Value completed = v;
      if (back) {
        v = createReshard(v, {*back, {}}, op->getLoc());
        movedBackFrom[v] = completed;
      }
      // Later ops read the completed value, in its final layout.
      for (OpOperand *use : uses)
        use->set(v);
      builder.setInsertionPointAfter(v.getDefiningOp());
    }
  }
}

struct PropagateShardingPass
    : dsc::impl::PropagateShardingPassBase<PropagateShardingPass> {
  using PropagateShardingPassBase::PropagateShardingPassBase;

  void runOnOperation() override;
};

void PropagateShardingPass::runOnOperation() {
  ModuleOp module = getOperation();
  FailureOr<func::FuncOp> maybeStep = dsc::stepForMesh(module, dp, sp);
  if (failed(maybeStep))
    return signalPassFailure();
  func::FuncOp step = *maybeStep;
  // A region's ops see its inputs' global shapes: partitioning them is not
  // supported, so checkpointing comes after sharding.
  WalkResult regions = module.walk([](ds::RecomputeOp region) {
    region.emitError() << "ds.recompute regions cannot be sharded: run "
                          "-ds-activation-checkpoint after -ds-partition";
    return WalkResult::interrupt();
  });
  if (regions.wasInterrupted())
    return signalPassFailure();
  if (dp == 1 && sp == 1) {
    // Nothing to split, but a misspelt input name is still an error.
    if (step && failed(dsc::findSplitInputs(module, step, seqDims, batchDims,
                                            /*bothSplit=*/false)))
      signalPassFailure();
    return;
  }
  if (!step) {
    module.emitError() << "ds-propagate-sharding needs func.func @train_step "
                          "(run -ds-autodiff first)";
    return signalPassFailure();
  }
  // Which inputs to split, along which dimensions.
  FailureOr<SmallVector<dsc::SplitInput>> splitInputs =
      dsc::findSplitInputs(module, step, seqDims, batchDims,
                           /*bothSplit=*/dp > 1 && sp > 1);
  if (failed(splitInputs))
    return signalPassFailure();

  dsc::MeshAxes mesh;
  if (dp > 1) {
    mesh.names.push_back("dp");
    mesh.sizes.push_back(dp);
  }
  if (sp > 1) {
    mesh.names.push_back("sp");
    mesh.sizes.push_back(sp);
  }
  OpBuilder builder(module.getContext());
  builder.setInsertionPointToStart(module.getBody());
  MeshOp::create(
      builder, module.getLoc(), "mesh",
      builder.getStrArrayAttr(llvm::map_to_vector(
          mesh.names, [](const std::string &s) { return StringRef(s); })),
      builder.getDenseI64ArrayAttr(mesh.sizes));
  auto meshSymbol = FlatSymbolRefAttr::get(module.getContext(), "mesh");

  ShardingWriter writer(step, mesh, meshSymbol);
  for (const dsc::SplitInput &input : *splitInputs) {
    BlockArgument arg = input.arg;
    auto name = step.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(), mlir::ds::DSDialect::kNameAttr);
    auto type = cast<RankedTensorType>(arg.getType());
    ValueSharding sharding{Layout::replicated(type.getShape()), {}};
    auto split = [&](int64_t dim, int axis) -> LogicalResult {
      StringRef inputName = name ? name.getValue() : "";
      if (dim >= type.getRank())
        return step.emitError() << "input '" << inputName << "' of type "
                                << type << " has no dimension " << dim
                                << " to split over " << mesh.names[axis];
      if (type.getDimSize(dim) % mesh.sizes[axis] != 0)
        return step.emitError()
               << "input '" << inputName << "' dimension " << dim << " of size "
               << type.getDimSize(dim) << " cannot be split over "
               << mesh.names[axis] << " = " << mesh.sizes[axis];
      sharding.layout.dims[dim][0].axis = axis;
      return success();
    };
    int axis = 0;
    if (dp > 1 && failed(split(input.batch, axis++)))
      return signalPassFailure();
    if (sp > 1 && input.splitSeq && failed(split(input.seq, axis)))
      return signalPassFailure();
    step.setArgAttr(arg.getArgNumber(), mlir::ds::DSDialect::kShardingAttr,
                    toAttr(module.getContext(), meshSymbol, mesh, sharding));
    writer.setInputLayout(arg, sharding.layout);
  }
  writer.run();
  if (writer.failed)
    return signalPassFailure();
  numSharded += writer.numSharded;
  numReshards += writer.numReshards;
}

} // namespace
