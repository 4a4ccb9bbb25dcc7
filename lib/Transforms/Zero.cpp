//===- Zero.cpp - -ds-zero ------------------------------------------------===//
//
// ZeRO as shardings: for every optimizer update of the step, this pass
// writes how its operands and results are split over the whole mesh (every
// rank holds a replica of the parameters, sequence-parallel ranks included)
// and leaves the collectives to -ds-partition. The update runs on a flat
// view of the parameter, padded to a multiple of the ranks, so that any size
// splits; each rank holds one contiguous piece, in rank order. At stage 3
// the parameter itself is held so, and gathered whole where it is read.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/ShardingPropagation.h"
#include "dsc/Analysis/StepPhases.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <map>

namespace dsc {
#define GEN_PASS_DEF_ZEROPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;
using dsc::Atom;
using dsc::Layout;
using dsc::ValueSharding;

namespace {

class ZeroRewriter {
public:
  ZeroRewriter(func::FuncOp step, MeshOp meshOp, int64_t stage,
               DenseMap<Operation *, dsc::StepPhase> phases)
      : step(step), stage(stage), builder(step.getContext()),
        phases(std::move(phases)) {
    mesh = dsc::MeshAxes::of(meshOp.getAxisNames(), meshOp.getAxisSizes());
    for (int64_t size : mesh.sizes)
      ranks *= size;
    meshSymbol = FlatSymbolRefAttr::get(meshOp.getSymNameAttr());
  }

  LogicalResult rewrite(OptimizerUpdateOpInterface update);
  /// Moves the gathers of the new parameters together, before the first op
  /// that cuts one back to its shape.
  void groupGathers() {
    if (firstCut)
      for (Operation *gather : gathers)
        if (firstCut->isBeforeInBlock(gather))
          gather->moveBefore(firstCut);
  }

  /// Stage 3: issues each phase's parameter gathers `distance` readers
  /// early: the gather for the i-th reader right before the (i -
  /// distance)-th reader's chain, so that it can run while the readers
  /// between compute (on a runtime with a communication stream).
  void prefetch(int64_t distance);

  int64_t numSharded = 0;
  int64_t numGathers = 0;
  /// Stage 3: the parameter arguments whose forward copy the backward
  /// reads too (gathered once).
  DenseSet<BlockArgument> keepWhole;

private:
  /// The flat, padded type of `type`: [ranks * ceil(numel / ranks)].
  RankedTensorType flatType(RankedTensorType type) const {
    int64_t numel = type.getNumElements();
    int64_t piece = (numel + ranks - 1) / ranks;
    return type.clone({piece * ranks});
  }
  /// The flat dimension split over every mesh axis, major to minor: one
  /// piece per rank, contiguous, in rank order.
  Layout splitLayout(RankedTensorType flat) const {
    Layout layout;
    layout.dims.emplace_back();
    int64_t rest = flat.getDimSize(0);
    for (size_t axis = 0; axis < mesh.sizes.size(); ++axis) {
      int64_t size = axis + 1 == mesh.sizes.size() ? rest : mesh.sizes[axis];
      layout.dims[0].push_back(Atom{size, static_cast<int>(axis)});
      rest /= size;
    }
    return layout;
  }
  ShardingAttr attr(const ValueSharding &sharding) {
    return dsc::toAttr(step.getContext(), meshSymbol, mesh, sharding);
  }
  /// `value` viewed flat and padded with zeros; the views carry `partial`
  /// (a sum stays a sum through a reshape and a zero padding).
  Value flatten(Value value, ArrayRef<std::pair<int, ReductionKind>> partial,
                Location loc);
  /// The split piece of `value` (flat) for this rank: a reshard that
  /// -ds-partition turns into a local slice, or a reduce-scatter where
  /// `value` is a partial sum.
  Value split(Value flat, Location loc) {
    auto type = cast<RankedTensorType>(flat.getType());
    return ReshardOp::create(builder, loc, flat, attr({splitLayout(type), {}}));
  }
  /// `piece` (flat, split) gathered whole and cut back to `type`.
  Value gatherWhole(Value piece, RankedTensorType type, Location loc) {
    auto flat = cast<RankedTensorType>(piece.getType());
    Value v = ReshardOp::create(
        builder, loc, piece, attr({Layout::replicated(flat.getShape()), {}}));
    int64_t numel = type.getNumElements();
    if (numel != flat.getDimSize(0))
      v = SliceOp::create(builder, loc, flat.clone({numel}), v,
                          builder.getDenseI64ArrayAttr({0}),
                          builder.getDenseI64ArrayAttr({numel}),
                          builder.getDenseI64ArrayAttr({1}));
    if (v.getType() != type)
      v = ReshapeOp::create(builder, loc, type, v);
    return v;
  }
  /// Stage 3: parameter argument `arg` becomes this rank's flat piece
  /// (`ds.data_shape` keeps its whole shape for the runtime); every reader
  /// but `update` reads it whole from a gather placed right before the first
  /// reader of each phase, so that the whole dies after the forward's last
  /// use and is gathered again for the backward (once for both where `arg`
  /// is in keepWhole).
  void shardParameter(BlockArgument arg, Operation *update);
  struct PartialSum {
    Value value;
    SmallVector<std::pair<int, ReductionKind>> partial;
    /// The element types that conversions after the completion take it
    /// to, in order (a float32 sum rounded to bfloat16 once, then widened
    /// again): applied to each rank's piece, element by element.
    SmallVector<Type> conversions;
  };
  /// The partial sum that `value` completes, read only by this path (or
  /// only by `readers`, where given): through reshapes (the flat view is
  /// the same), conversions and sums of completions (tied parameters: a
  /// new sum of the partial values replaces them, where neither is
  /// converted: two roundings are not one).
  std::optional<PartialSum> partialSum(Value value,
                                       ArrayRef<Operation *> readers = {});
  /// Gradient clipping (--clip-grad-norm) reads a whole gradient twice:
  /// for its norm, sum(g * g) over every dimension, and scaled by the
  /// clipping coefficient for the update.
  struct Clipping {
    MulOp squares;
    SumOp sumOfSquares;
    MulOp scaled;
  };
  static std::optional<Clipping> clippingOf(Value grad);
  /// Stage 2 and 3: the clipped gradient's `piece` (flat, split) replaces
  /// the whole in both: the sum of squares of each rank's piece, completed
  /// by an all-reduce of one number, stands for the whole's, and the piece
  /// is scaled for the update (returned). The whole gradient is never
  /// formed: a reduce-scatter instead of an all-reduce.
  Value clipPiece(Clipping &clipping, Value piece, Location loc,
                  Operation *update);
  /// Erases `op` and what only it read, back through the ops that led a
  /// gradient to its completion, once nothing reads them.
  static void eraseDead(Operation *op) {
    if (!op || !op->use_empty() ||
        !isa<ReshapeOp, ReshardOp, AddOp, ConvertOp>(op))
      return;
    SmallVector<Operation *> defs;
    for (Value operand : op->getOperands())
      defs.push_back(operand.getDefiningOp());
    op->erase();
    for (Operation *def : defs)
      eraseDead(def);
  }
  /// The partial sharding of `value` where it is the result of an op that
  /// -ds-propagate-sharding left partial and a reshard completes; empty
  /// otherwise.
  SmallVector<std::pair<int, ReductionKind>> partialOf(Value value) const;

  func::FuncOp step;
  int64_t stage;
  dsc::MeshAxes mesh;
  int64_t ranks = 1;
  FlatSymbolRefAttr meshSymbol;
  OpBuilder builder;
  /// The reshards that gather new parameters whole, and the first op that
  /// cuts one of them back.
  SmallVector<Operation *> gathers;
  Operation *firstCut = nullptr;
  /// The names of the state (and, at stage 3, parameter) arguments held
  /// split.
  DenseSet<StringAttr> splitState;
  /// The phase of every op of the step before this pass.
  DenseMap<Operation *, dsc::StepPhase> phases;
  /// Stage 3's gathers (the reshards to whole), the first op after each
  /// (the cut to shape, or the reader) and their first readers, per phase.
  struct Gather {
    Operation *reshard;
    Operation *cut;
    Operation *reader;
  };
  std::map<dsc::StepPhase, SmallVector<Gather>> parameterGathers;
};

void ZeroRewriter::prefetch(int64_t distance) {
  for (auto &[phase, gathers] : parameterGathers) {
    llvm::stable_sort(gathers, [](const Gather &a, const Gather &b) {
      return a.reader->isBeforeInBlock(b.reader);
    });
    for (auto [i, gather] : llvm::enumerate(gathers)) {
      Operation *anchor =
          gathers[std::max<int64_t>(0, static_cast<int64_t>(i) - distance)].cut;
      // Only the collective moves: the cut to shape stays at the reader,
      // so that consecutive gathers can share a bucket.
      gather.reshard->moveBefore(anchor);
    }
  }
}

void ZeroRewriter::shardParameter(BlockArgument arg, Operation *update) {
  auto type = cast<RankedTensorType>(arg.getType());
  RankedTensorType flat = flatType(type);
  SmallVector<OpOperand *> readers;
  for (OpOperand &use : arg.getUses())
    if (use.getOwner() != update)
      readers.push_back(&use);
  llvm::stable_sort(readers, [](OpOperand *a, OpOperand *b) {
    return a->getOwner()->isBeforeInBlock(b->getOwner());
  });
  unsigned index = arg.getArgNumber();
  arg.setType(flat);
  step.setArgAttr(index, DSDialect::kShardingAttr,
                  attr({splitLayout(flat), {}}));
  step.setArgAttr(index, DSDialect::kDataShapeAttr,
                  builder.getDenseI64ArrayAttr(type.getShape()));
  splitState.insert(
      step.getArgAttrOfType<StringAttr>(index, DSDialect::kNameAttr));

  OpBuilder::InsertionGuard guard(builder);
  auto phaseOf = [&](Operation *op) {
    auto it = phases.find(op);
    return it == phases.end() ? dsc::StepPhase::Optimizer : it->second;
  };
  Value whole;
  dsc::StepPhase wholePhase = dsc::StepPhase::Forward;
  for (OpOperand *reader : readers) {
    Operation *user = reader->getOwner();
    if (!whole || (phaseOf(user) != wholePhase && !keepWhole.contains(arg))) {
      builder.setInsertionPoint(user);
      whole = gatherWhole(arg, type, arg.getLoc());
      wholePhase = phaseOf(user);
      ++numGathers;
      // The chain lies right before `user`, from the reshard on.
      Operation *reshard = user->getPrevNode();
      while (!isa<ReshardOp>(reshard))
        reshard = reshard->getPrevNode();
      parameterGathers[wholePhase].push_back(
          {reshard, reshard->getNextNode(), user});
    }
    reader->set(whole);
  }
}

SmallVector<std::pair<int, ReductionKind>>
ZeroRewriter::partialOf(Value value) const {
  Operation *def = value.getDefiningOp();
  if (!def)
    return {};
  auto shardings = def->getAttrOfType<ArrayAttr>(DSDialect::kShardingsAttr);
  if (!shardings)
    return {};
  auto result = cast<OpResult>(value);
  auto sharding = dyn_cast<ShardingAttr>(shardings[result.getResultNumber()]);
  if (!sharding)
    return {};
  std::string error;
  FailureOr<ValueSharding> decoded = dsc::fromAttr(
      sharding, cast<RankedTensorType>(value.getType()).getShape(), mesh,
      error);
  if (failed(decoded) || !decoded->layout.isReplicated())
    return {};
  return decoded->partial;
}

std::optional<ZeroRewriter::PartialSum>
ZeroRewriter::partialSum(Value value, ArrayRef<Operation *> readers) {
  if (readers.empty() ? !value.hasOneUse()
                      : llvm::any_of(value.getUsers(), [&](Operation *user) {
                          return !llvm::is_contained(readers, user);
                        }))
    return std::nullopt;
  SmallVector<Type> conversions;
  while (isa_and_present<ReshapeOp, ConvertOp>(value.getDefiningOp())) {
    Operation *def = value.getDefiningOp();
    if (isa<ConvertOp>(def))
      conversions.insert(conversions.begin(),
                         getElementTypeOrSelf(value.getType()));
    value = def->getOperand(0);
    if (!value.hasOneUse())
      return std::nullopt;
  }
  if (auto completion = value.getDefiningOp<ReshardOp>()) {
    SmallVector<std::pair<int, ReductionKind>> partial =
        partialOf(completion.getInput());
    if (partial.empty())
      return std::nullopt;
    return PartialSum{completion.getInput(), std::move(partial),
                      std::move(conversions)};
  }
  if (!conversions.empty())
    return std::nullopt;
  auto add = value.getDefiningOp<AddOp>();
  if (!add)
    return std::nullopt;
  std::optional<PartialSum> lhs = partialSum(add.getLhs());
  std::optional<PartialSum> rhs = partialSum(add.getRhs());
  if (!lhs || !rhs || !lhs->conversions.empty() || !rhs->conversions.empty() ||
      lhs->partial != rhs->partial ||
      lhs->value.getType() != rhs->value.getType() ||
      llvm::any_of(lhs->partial,
                   [](auto &p) { return p.second != ReductionKind::Sum; }))
    return std::nullopt;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(add);
  Value sum = AddOp::create(builder, add.getLoc(), lhs->value, rhs->value);
  auto shape = cast<RankedTensorType>(sum.getType()).getShape();
  sum.getDefiningOp()->setAttr(
      DSDialect::kShardingsAttr,
      builder.getArrayAttr(
          {attr({Layout::replicated(shape),
                 SmallVector<std::pair<int, ReductionKind>>(lhs->partial)})}));
  return PartialSum{sum, lhs->partial};
}

std::optional<ZeroRewriter::Clipping> ZeroRewriter::clippingOf(Value grad) {
  auto scaled = grad.getDefiningOp<MulOp>();
  if (!scaled || !grad.hasOneUse() ||
      scaled.getLhs().getType() != grad.getType() ||
      cast<RankedTensorType>(scaled.getRhs().getType()).getRank() != 0)
    return std::nullopt;
  Value whole = scaled.getLhs();
  MulOp squares;
  for (Operation *user : whole.getUsers()) {
    if (user == scaled.getOperation())
      continue;
    auto mul = dyn_cast<MulOp>(user);
    if (!mul || mul.getLhs() != whole || mul.getRhs() != whole ||
        (squares && mul != squares))
      return std::nullopt;
    squares = mul;
  }
  if (!squares || !squares->hasOneUse())
    return std::nullopt;
  auto sum = dyn_cast<SumOp>(*squares->user_begin());
  int64_t rank = cast<RankedTensorType>(whole.getType()).getRank();
  if (!sum || sum.getKeepdim() ||
      static_cast<int64_t>(sum.getDims().size()) != rank)
    return std::nullopt;
  return Clipping{squares, sum, scaled};
}

Value ZeroRewriter::clipPiece(Clipping &clipping, Value piece, Location loc,
                              Operation *update) {
  auto flat = cast<RankedTensorType>(piece.getType());
  ShardingAttr split = attr({splitLayout(flat), {}});
  auto annotate = [&](Value v, ShardingAttr sharding) {
    v.getDefiningOp()->setAttr(DSDialect::kShardingsAttr,
                               builder.getArrayAttr({sharding}));
    return v;
  };
  // Right after the piece, so that the whole never forms.
  Value squares = annotate(MulOp::create(builder, loc, piece, piece), split);
  SmallVector<std::pair<int, ReductionKind>> everyAxis;
  for (size_t axis = 0; axis < mesh.sizes.size(); ++axis)
    everyAxis.push_back({static_cast<int>(axis), ReductionKind::Sum});
  Value local = annotate(SumOp::create(builder, loc, squares,
                                       builder.getDenseI64ArrayAttr({0}),
                                       /*keepdim=*/false),
                         attr({Layout::replicated({}), everyAxis}));
  Value total = ReshardOp::create(builder, loc, local,
                                  attr({Layout::replicated({}), {}}));
  clipping.sumOfSquares.getResult().replaceAllUsesWith(total);
  clipping.sumOfSquares->erase();
  clipping.squares->erase();
  // The coefficient is known once every norm is: right before the update.
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(update);
  return annotate(MulOp::create(builder, loc, piece, clipping.scaled.getRhs()),
                  split);
}

Value ZeroRewriter::flatten(Value value,
                            ArrayRef<std::pair<int, ReductionKind>> partial,
                            Location loc) {
  auto type = cast<RankedTensorType>(value.getType());
  RankedTensorType flat = flatType(type);
  auto annotate = [&](Value v) {
    if (partial.empty())
      return v;
    auto shape = cast<RankedTensorType>(v.getType()).getShape();
    ValueSharding sharding{Layout::replicated(shape),
                           SmallVector<std::pair<int, ReductionKind>>(partial)};
    v.getDefiningOp()->setAttr(DSDialect::kShardingsAttr,
                               builder.getArrayAttr({attr(sharding)}));
    return v;
  };
  Value v = value;
  auto line = type.clone({type.getNumElements()});
  if (type != line)
    v = annotate(ReshapeOp::create(builder, loc, line, v));
  if (line != flat)
    v = annotate(PadOp::create(builder, loc, flat, v,
                               builder.getDenseI64ArrayAttr({0}),
                               builder.getDenseI64ArrayAttr({1})));
  return v;
}

LogicalResult ZeroRewriter::rewrite(OptimizerUpdateOpInterface update) {
  Operation *op = update;
  Location loc = op->getLoc();
  auto paramType = cast<RankedTensorType>(update.getParam().getType());
  assert(!op->hasAttr(DSDialect::kShardingsAttr) &&
         "ZeRO shards replicated parameters only");
  RankedTensorType flat = flatType(paramType);
  Layout layout = splitLayout(flat);
  builder.setInsertionPoint(op);

  // The gradient: at stage 2 the partial sum before its completion, which
  // the reshard to a split piece turns into a reduce-scatter.
  // Clipped, the partial sum of the gradient before its scaling.
  Value grad = update.getGrad();
  SmallVector<std::pair<int, ReductionKind>> partial;
  SmallVector<Type> conversions;
  std::optional<Clipping> clipping;
  if (stage >= 2) {
    clipping = clippingOf(grad);
    std::optional<PartialSum> sum =
        clipping ? partialSum(clipping->scaled.getLhs(),
                              {clipping->scaled, clipping->squares})
                 : partialSum(grad);
    if (sum) {
      grad = sum->value;
      partial = sum->partial;
      conversions = sum->conversions;
    } else {
      clipping.reset();
    }
  }

  SmallVector<Value> operands;
  for (OpOperand &operand : op->getOpOperands()) {
    Value v = operand.get();
    if (v.getType() != paramType) {
      operands.push_back(v); // the step count
      continue;
    }
    if (v == update.getGrad()) {
      // Right where the gradient is complete (or its partial sum is), so
      // that the whole dies there and the collectives of consecutive
      // gradients can share a bucket.
      // (Stage 1 slices the all-reduced gradient at the update instead,
      // so that the all-reduces still share their buckets.)
      OpBuilder::InsertionGuard guard(builder);
      if (!partial.empty())
        builder.setInsertionPointAfterValue(grad);
      Value piece = split(flatten(grad, partial, loc), loc);
      for (Type element : conversions) {
        auto type = cast<RankedTensorType>(piece.getType());
        piece = ConvertOp::create(builder, loc, type.clone(element), piece);
        piece.getDefiningOp()->setAttr(
            DSDialect::kShardingsAttr,
            builder.getArrayAttr({attr({splitLayout(type), {}})}));
      }
      operands.push_back(clipping ? clipPiece(*clipping, piece, loc, op)
                                  : piece);
      continue;
    }
    // Optimizer state that only this update reads: held split.
    auto arg = dyn_cast<BlockArgument>(v);
    auto role = arg ? step.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                        DSDialect::kRoleAttr)
                    : StringAttr();
    if (role && role.getValue() == "state" && arg.hasOneUse()) {
      arg.setType(flat);
      splitState.insert(step.getArgAttrOfType<StringAttr>(
          arg.getArgNumber(), DSDialect::kNameAttr));
      step.setArgAttr(arg.getArgNumber(), DSDialect::kShardingAttr,
                      attr({layout, {}}));
      operands.push_back(arg);
      continue;
    }
    // Stage 3: the parameter argument is held as this piece. A 0-d one (a
    // single number) stays whole: the plan's data shape of a piece, [],
    // would read as none.
    auto param = dyn_cast<BlockArgument>(v);
    auto paramRole = param ? step.getArgAttrOfType<StringAttr>(
                                 param.getArgNumber(), DSDialect::kRoleAttr)
                           : StringAttr();
    if (stage >= 3 && v == update.getParam() && paramRole &&
        paramRole.getValue() == "parameter" &&
        cast<RankedTensorType>(param.getType()).getRank() > 0) {
      shardParameter(param, op);
      operands.push_back(param);
      continue;
    }
    // The parameter (and anything else): this rank's piece of it.
    operands.push_back(split(flatten(v, {}, loc), loc));
  }

  OperationState state(loc, op->getName());
  state.addOperands(operands);
  state.addAttributes(op->getAttrs());
  state.addTypes(SmallVector<Type>(op->getNumResults(), flat));
  Operation *sharded = builder.create(state);
  sharded->setAttr(DSDialect::kShardingsAttr,
                   builder.getArrayAttr(SmallVector<Attribute>(
                       op->getNumResults(), attr({layout, {}}))));

  for (auto [old, now] : llvm::zip(op->getResults(), sharded->getResults())) {
    // State results go back to their split arguments; the parameter is
    // gathered whole, cut to its size and shape.
    if (!old.use_empty() && llvm::all_of(old.getUses(), [&](OpOperand &use) {
          auto updates = step.getResultAttrOfType<StringAttr>(
              use.getOperandNumber(), DSDialect::kUpdatesAttr);
          return isa<func::ReturnOp>(use.getOwner()) && updates &&
                 splitState.contains(updates);
        })) {
      old.replaceAllUsesWith(now);
      continue;
    }
    // At the end of the step, all gathers before all cuts: one bucket.
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(step.front().getTerminator());
    Value v = gatherWhole(now, paramType, loc);
    Operation *gather = v.getDefiningOp();
    while (!isa<ReshardOp>(gather))
      gather = gather->getOperand(0).getDefiningOp();
    gathers.push_back(gather);
    if (!firstCut && gather != v.getDefiningOp())
      firstCut = gather->getNextNode();
    old.replaceAllUsesWith(v);
  }
  Operation *old = update.getGrad().getDefiningOp();
  op->erase();
  if (clipping) {
    old = clipping->scaled.getLhs().getDefiningOp();
    clipping->scaled->erase();
  }
  eraseDead(old);
  ++numSharded;
  return success();
}

struct ZeroPass : dsc::impl::ZeroPassBase<ZeroPass> {
  using ZeroPassBase::ZeroPassBase;

  /// The `keepWhole` parameter arguments of `updates` whose last forward
  /// reader comes last (ties: the later argument).
  SmallVector<BlockArgument>
  keptWhole(ArrayRef<OptimizerUpdateOpInterface> updates,
            const DenseMap<Operation *, dsc::StepPhase> &phases) const {
    if (stage < 3 || keepWhole <= 0 || updates.empty())
      return {};
    DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : updates.front()->getBlock()->getOperations())
      position[&op] = index++;
    SmallVector<std::pair<int64_t, BlockArgument>> params;
    for (OptimizerUpdateOpInterface update : updates) {
      auto arg = dyn_cast<BlockArgument>(update.getParam());
      if (!arg)
        continue;
      int64_t last = -1;
      for (Operation *user : arg.getUsers())
        if (phases.lookup(user) == dsc::StepPhase::Forward &&
            phases.count(user))
          last = std::max(last, position.lookup(user));
      params.push_back({last, arg});
    }
    llvm::stable_sort(params, [](auto &a, auto &b) {
      return std::make_pair(a.first, a.second.getArgNumber()) >
             std::make_pair(b.first, b.second.getArgNumber());
    });
    SmallVector<BlockArgument> kept;
    for (auto &[last, arg] : params)
      if (static_cast<int64_t>(kept.size()) < keepWhole)
        kept.push_back(arg);
    return kept;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (stage < 0 || stage > 3) {
      module.emitError() << "ds-zero: stage " << static_cast<int64_t>(stage)
                         << " is not supported (0, 1, 2 or 3)";
      return signalPassFailure();
    }
    auto step = module.lookupSymbol<func::FuncOp>(DSDialect::kTrainStepFunc);
    auto meshes = module.getOps<MeshOp>();
    if (stage == 0 || !step || meshes.empty())
      return;
    // The shardings it writes are materialised by -ds-partition.
    WalkResult partitioned = step.walk([](Operation *op) {
      return isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp,
                 LocalSliceOp>(op)
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (partitioned.wasInterrupted()) {
      step.emitError() << "ds-zero runs between -ds-propagate-sharding and "
                          "-ds-partition; this step is partitioned already";
      return signalPassFailure();
    }
    FailureOr<DenseMap<Operation *, dsc::StepPhase>> phases =
        dsc::computePhases(step);
    if (failed(phases))
      return signalPassFailure();
    // A parameter that sequence parallelism splits (read in pieces along
    // the tokens, as a position table sliced to them) is updated in those
    // pieces already: ZeRO leaves it so, and says so.
    SmallVector<OptimizerUpdateOpInterface> updates;
    step.walk([&](OptimizerUpdateOpInterface u) {
      if (!u->hasAttr(DSDialect::kShardingsAttr)) {
        updates.push_back(u);
        return;
      }
      auto arg = dyn_cast<BlockArgument>(u.getParam());
      auto name = arg ? step.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                          DSDialect::kNameAttr)
                      : StringAttr();
      // At the model's line that first reads it, where there is one.
      Location loc = u->getLoc();
      if (arg)
        for (Operation &op : step.front())
          if (&op != u.getOperation() &&
              llvm::is_contained(op.getOperands(), arg)) {
            loc = op.getLoc();
            break;
          }
      emitWarning(loc) << "ZeRO leaves parameter '"
                       << (name ? name.getValue() : StringRef("?"))
                       << "' split as sequence parallelism splits it: its "
                          "optimizer state is not sharded over data "
                          "parallelism";
    });
    SmallVector<BlockArgument> kept = keptWhole(updates, *phases);
    ZeroRewriter rewriter(step, *meshes.begin(), stage, std::move(*phases));
    rewriter.keepWhole.insert(kept.begin(), kept.end());
    for (OptimizerUpdateOpInterface update : updates)
      if (failed(rewriter.rewrite(update)))
        return signalPassFailure();
    rewriter.groupGathers();
    rewriter.prefetch(prefetch);
    step.setType(
        FunctionType::get(step.getContext(), step.front().getArgumentTypes(),
                          step.front().getTerminator()->getOperandTypes()));
    numSharded += rewriter.numSharded;
    numGathers += rewriter.numGathers;
  }
};

} // namespace
