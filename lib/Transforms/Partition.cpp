//===- Partition.cpp - -ds-partition --------------------------------------===//
//
// Materialises what -ds-propagate-sharding wrote, op by op in order:
//  - a `ds.reshard` becomes an all-reduce per reduction kind over its
//    input's partial axes, then the moves that turn one layout into the
//    other, on a view whose dimensions are the atoms both agree on:
//    all_to_all (an axis moves between atoms), all_gather (a split atom
//    becomes whole), local_slice (a whole atom becomes split), or
//    reduce_scatter where the input is a partial sum over the axis that
//    splits it (ZeRO's gradients);
//  - an op with `ds.shardings` gets its results' local types and adapts its
//    attributes (`localizeAttributes`);
//  - arguments with `ds.sharding` get their local types.
// Nothing here decides anything, and nothing knows an op.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/ShardingPropagation.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <map>

namespace dsc {
#define GEN_PASS_DEF_PARTITIONPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;
using dsc::Atom;
using dsc::DimLayout;
using dsc::Layout;
using dsc::ValueSharding;

namespace {

class Materializer {
public:
  Materializer(func::FuncOp step, MeshOp meshOp)
      : step(step),
        mesh(dsc::MeshAxes::of(meshOp.getAxisNames(), meshOp.getAxisSizes())),
        builder(step.getContext()) {
    meshSymbol = FlatSymbolRefAttr::get(meshOp.getSymNameAttr());
  }

  LogicalResult run();

  int64_t numCollectives = 0;

private:
  /// The sharding `attr` says for a value of global type `global`.
  FailureOr<ValueSharding> read(ShardingAttr attr, RankedTensorType global,
                                Operation *where);
  LogicalResult materialize(ReshardOp op);
  /// Converts `value` (global type `global`) from layout `from` to `to`;
  /// where `to` splits over an axis in `scatter`, over which `value` is a
  /// partial sum, a reduce-scatter completes it and takes the piece.
  FailureOr<Value> convert(Value value, RankedTensorType global,
                           const Layout &from, const Layout &to,
                           ArrayRef<int> scatter, Location loc);
  RankedTensorType localType(RankedTensorType global, const Layout &layout) {
    return global.clone(layout.localShape(mesh.sizes));
  }
  ArrayAttr axesAttr(ArrayRef<int> axes) {
    SmallVector<Attribute> names;
    for (int axis : axes)
      names.push_back(builder.getStringAttr(mesh.names[axis]));
    return builder.getArrayAttr(names);
  }
  ValueSharding shardingOf(Value v) {
    auto it = shardings.find(v);
    if (it != shardings.end())
      return it->second;
    return {Layout::replicated(globalTypes.lookup(v).getShape()), {}};
  }

  func::FuncOp step;
  dsc::MeshAxes mesh;
  FlatSymbolRefAttr meshSymbol;
  OpBuilder builder;
  DenseMap<Value, ValueSharding> shardings;
  /// Global types, recorded before any type changes.
  DenseMap<Value, RankedTensorType> globalTypes;
};

FailureOr<ValueSharding> Materializer::read(ShardingAttr attr,
                                            RankedTensorType global,
                                            Operation *where) {
  if (attr.getMesh() != meshSymbol)
    return where->emitOpError() << "has a sharding on " << attr.getMesh()
                                << ", not on " << meshSymbol;
  std::string error;
  FailureOr<ValueSharding> sharding =
      dsc::fromAttr(attr, global.getShape(), mesh, error);
  if (failed(sharding))
    return where->emitOpError()
           << "has a sharding that does not fit " << global << ": " << error;
  return sharding;
}

LogicalResult Materializer::materialize(ReshardOp op) {
  RankedTensorType global = cast<RankedTensorType>(op.getType());
  FailureOr<ValueSharding> to = read(op.getSharding(), global, op);
  if (failed(to))
    return failure();
  ValueSharding from = shardingOf(op.getInput());
  builder.setInsertionPoint(op);
  Value v = op.getInput();
  // Partial sums over an axis that the target splits and the source does
  // not are completed by a reduce-scatter onto the piece; other partial
  // results first, by one all-reduce per kind.
  auto splits = [](const Layout &layout, int axis) {
    return llvm::any_of(layout.dims, [&](const DimLayout &dim) {
      return llvm::any_of(dim, [&](const Atom &a) { return a.axis == axis; });
    });
  };
  SmallVector<int> scatter;
  std::map<ReductionKind, SmallVector<int>> axesByKind;
  for (auto [axis, kind] : from.partial) {
    if (llvm::is_contained(to->partial, std::make_pair(axis, kind)))
      continue;
    if (kind == ReductionKind::Sum && splits(to->layout, axis) &&
        !splits(from.layout, axis))
      scatter.push_back(axis);
    else
      axesByKind[kind].push_back(axis);
  }
  for (auto [axis, kind] : to->partial)
    if (!llvm::is_contained(from.partial, std::make_pair(axis, kind)))
      return op.emitOpError()
             << "cannot make a value partial over " << mesh.names[axis];
  for (auto &[kind, axes] : axesByKind) {
    llvm::sort(axes);
    ++numCollectives;
    v = AllReduceOp::create(builder, op.getLoc(), v, meshSymbol, axesAttr(axes),
                            ReductionKindAttr::get(builder.getContext(), kind));
  }
  FailureOr<Value> converted =
      convert(v, global, from.layout, to->layout, scatter, op.getLoc());
  if (failed(converted))
    return failure();
  globalTypes[*converted] = global;
  shardings[*converted] = *to;
  op.replaceAllUsesWith(*converted);
  op.erase();
  return success();
}

FailureOr<Value> Materializer::convert(Value value, RankedTensorType global,
                                       const Layout &from, const Layout &to,
                                       ArrayRef<int> scatter, Location loc) {
  if (from == to)
    return value;

  // Work on a view whose dimensions are the atoms both layouts agree on.
  // Where a dimension's split blocks do not line up with the target's
  // pieces ([6{dp}] to [2, 3{dp}]: a rank's block of 2 spans both pieces),
  // that dimension is gathered whole first and split again from there.
  SmallVector<DimLayout> fromAtoms, toAtoms;
  Layout whole = from;
  for (auto [d, pair] : llvm::enumerate(llvm::zip(from.dims, to.dims))) {
    auto [a, b] = pair;
    auto aligned = dsc::alignAtoms(a, b, mesh.sizes);
    if (!aligned) {
      int64_t size = 1;
      for (const Atom &atom : a)
        size *= atom.size;
      whole.dims[d] = {Atom{size, -1}};
      continue;
    }
    fromAtoms.push_back(aligned->first);
    toAtoms.push_back(aligned->second);
  }
  if (whole != from) {
    FailureOr<Value> gathered = convert(value, global, from, whole, {}, loc);
    if (failed(gathered))
      return failure();
    return convert(*gathered, global, whole, to, scatter, loc);
  }
  // View dimensions: a split piece (before or after) starts one and takes
  // the whole pieces after it, whose rank-local block stays contiguous;
  // leading whole pieces form one too. A split piece that is its
  // dimension's major piece keeps the dimension as it is, so siblings of
  // one rank stay alike for -ds-fuse-all-to-all.
  Layout current, target;
  for (auto [a, b] : llvm::zip(fromAtoms, toAtoms)) {
    for (size_t i = 0; i < a.size(); ++i) {
      bool split = a[i].axis >= 0 || b[i].axis >= 0;
      if (i == 0 || split) {
        current.dims.push_back({Atom{a[i].size, a[i].axis}});
        target.dims.push_back({Atom{b[i].size, b[i].axis}});
      } else {
        current.dims.back()[0].size *= a[i].size;
        target.dims.back()[0].size *= b[i].size;
      }
    }
  }
  SmallVector<int64_t> atomShape;
  for (const DimLayout &dim : current.dims)
    atomShape.push_back(dim[0].size);
  auto atomGlobal = global.clone(atomShape);

  Value v = value;
  auto reshapeTo = [&](RankedTensorType type) {
    if (v.getType() != type)
      v = ReshapeOp::create(builder, loc, type, v);
  };
  reshapeTo(localType(atomGlobal, current));
  int64_t n = current.dims.size();
  // Moves of an axis from one atom to another: all_to_all.
  for (int64_t src = 0; src < n; ++src) {
    int axis = current.dims[src][0].axis;
    if (axis < 0 || target.dims[src][0].axis == axis)
      continue;
    for (int64_t dst = 0; dst < n; ++dst) {
      if (dst == src || target.dims[dst][0].axis != axis ||
          current.dims[dst][0].axis >= 0)
        continue;
      current.dims[src][0].axis = -1;
      current.dims[dst][0].axis = axis;
      ++numCollectives;
      v = AllToAllOp::create(builder, loc, localType(atomGlobal, current), v,
                             meshSymbol, axesAttr({axis}),
                             builder.getI64IntegerAttr(dst),
                             builder.getI64IntegerAttr(src),
                             /*real_dim=*/nullptr, /*real_sizes=*/nullptr);
      break;
    }
  }
  // Two neighbouring view dimensions that change alike, the major one
  // holding one piece per rank of its axis ([dp, sp * k]: ZeRO's pieces),
  // are one dimension split over both axes in mesh order (group ranks are
  // row-major): one collective over both instead of one per axis.
  auto joint = [&](int64_t d, bool toSplit) {
    if (d + 1 >= n)
      return false;
    const Layout &split = toSplit ? target : current;
    const Layout &whole = toSplit ? current : target;
    int a = split.dims[d][0].axis, b = split.dims[d + 1][0].axis;
    return a >= 0 && b > a && whole.dims[d][0].axis < 0 &&
           whole.dims[d + 1][0].axis < 0 &&
           current.dims[d][0].size == mesh.sizes[a] &&
           (!toSplit ||
            llvm::is_contained(scatter, a) == llvm::is_contained(scatter, b));
  };
  // Merges view dimensions d and d + 1 of `v` (for one collective along d).
  auto merged = [&](int64_t d) {
    auto shape =
        llvm::to_vector(cast<RankedTensorType>(v.getType()).getShape());
    shape[d] *= shape[d + 1];
    shape.erase(shape.begin() + d + 1);
    return cast<RankedTensorType>(v.getType()).clone(shape);
  };
  // Whatever is still split but should be whole: all_gather, minor
  // dimensions first, so that the major ones are still pieces of one (the
  // runtime then gathers in place).
  for (int64_t d = n - 1; d >= 0; --d) {
    int axis = current.dims[d][0].axis;
    if (axis < 0 || target.dims[d][0].axis == axis)
      continue;
    ++numCollectives;
    if (d > 0 && joint(d - 1, /*toSplit=*/false)) {
      int major = current.dims[d - 1][0].axis;
      current.dims[d - 1][0].axis = current.dims[d][0].axis = -1;
      RankedTensorType whole = merged(d - 1);
      reshapeTo(whole);
      auto wholeShape = llvm::to_vector(whole.getShape());
      wholeShape[d - 1] *= mesh.sizes[major] * mesh.sizes[axis];
      whole = whole.clone(wholeShape);
      v = AllGatherOp::create(builder, loc, whole, v, meshSymbol,
                              axesAttr({major, axis}),
                              builder.getI64IntegerAttr(d - 1));
      reshapeTo(localType(atomGlobal, current));
      --d;
      continue;
    }
    current.dims[d][0].axis = -1;
    v = AllGatherOp::create(builder, loc, localType(atomGlobal, current), v,
                            meshSymbol, axesAttr({axis}),
                            builder.getI64IntegerAttr(d));
  }
  // Whatever is whole but should be split: this rank's piece, summed over
  // the axis first where the value is a partial sum over it.
  for (int64_t d = 0; d < n; ++d) {
    int axis = target.dims[d][0].axis;
    if (axis < 0 || current.dims[d][0].axis == axis)
      continue;
    ++numCollectives;
    SmallVector<int> axes = {axis};
    int64_t dim = d;
    RankedTensorType type;
    if (joint(d, /*toSplit=*/true)) {
      axes.push_back(target.dims[d + 1][0].axis);
      type = merged(d);
      reshapeTo(type);
      auto pieceShape = llvm::to_vector(type.getShape());
      pieceShape[d] /= mesh.sizes[axis] * mesh.sizes[axes[1]];
      type = type.clone(pieceShape);
      current.dims[d][0].axis = axis;
      current.dims[d + 1][0].axis = axes[1];
      ++d;
    } else {
      current.dims[d][0].axis = axis;
      type = localType(atomGlobal, current);
    }
    if (llvm::is_contained(scatter, axis))
      v = ReduceScatterOp::create(
          builder, loc, type, v, meshSymbol, axesAttr(axes),
          builder.getI64IntegerAttr(dim),
          ReductionKindAttr::get(builder.getContext(), ReductionKind::Sum));
    else
      v = LocalSliceOp::create(builder, loc, type, v, meshSymbol,
                               axesAttr(axes), builder.getI64IntegerAttr(dim));
    reshapeTo(localType(atomGlobal, current));
  }
  reshapeTo(localType(global, to));
  return v;
}

LogicalResult Materializer::run() {
  Block &body = step.front();
  for (BlockArgument arg : body.getArguments())
    if (auto type = dyn_cast<RankedTensorType>(arg.getType()))
      globalTypes[arg] = type;
  body.walk([&](Operation *op) {
    for (Value r : op->getResults())
      if (auto type = dyn_cast<RankedTensorType>(r.getType()))
        globalTypes[r] = type;
  });
  for (BlockArgument arg : body.getArguments()) {
    auto attr = step.getArgAttrOfType<ShardingAttr>(
        arg.getArgNumber(), mlir::ds::DSDialect::kShardingAttr);
    if (!attr)
      continue;
    FailureOr<ValueSharding> sharding =
        read(attr, globalTypes.lookup(arg), step);
    if (failed(sharding))
      return failure();
    shardings[arg] = *sharding;
    arg.setType(localType(globalTypes.lookup(arg), sharding->layout));
  }
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    ops.push_back(&op);
  for (Operation *op : ops) {
    if (auto reshard = dyn_cast<ReshardOp>(op)) {
      if (failed(materialize(reshard)))
        return failure();
      continue;
    }
    auto attr =
        op->getAttrOfType<ArrayAttr>(mlir::ds::DSDialect::kShardingsAttr);
    if (!attr)
      continue;
    if (attr.size() != op->getNumResults())
      return op->emitOpError() << "has " << attr.size() << " ds.shardings for "
                               << op->getNumResults() << " results";
    for (auto [result, entry] : llvm::zip(op->getResults(), attr)) {
      auto resultAttr = dyn_cast<ShardingAttr>(entry);
      RankedTensorType global = globalTypes.lookup(result);
      if (!resultAttr || !global)
        return op->emitOpError() << "ds.shardings must hold one "
                                    "#ds.sharding per tensor result";
      FailureOr<ValueSharding> sharding = read(resultAttr, global, op);
      if (failed(sharding))
        return failure();
      shardings[result] = *sharding;
      result.setType(localType(global, sharding->layout));
    }
    op->removeAttr(mlir::ds::DSDialect::kShardingsAttr);
    if (auto ruleOp = dyn_cast<ShardingRuleOpInterface>(op))
      ruleOp.localizeAttributes();
  }
  step.setType(builder.getFunctionType(
      body.getArgumentTypes(), body.getTerminator()->getOperandTypes()));
  return success();
}

struct PartitionPass : dsc::impl::PartitionPassBase<PartitionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto step =
        module.lookupSymbol<func::FuncOp>(mlir::ds::DSDialect::kTrainStepFunc);
    auto meshes = module.getOps<MeshOp>();
    if (!step)
      return;
    if (meshes.empty()) {
      bool decided = false;
      step.walk([&](Operation *op) {
        decided |= isa<ReshardOp>(op) ||
                   op->hasAttr(mlir::ds::DSDialect::kShardingsAttr);
      });
      if (decided) {
        step.emitError() << "ds-partition: shardings without a ds.mesh";
        signalPassFailure();
      }
      return;
    }
    if (std::next(meshes.begin()) != meshes.end()) {
      module.emitError() << "ds-partition supports one ds.mesh";
      return signalPassFailure();
    }
    Materializer materializer(step, *meshes.begin());
    if (failed(materializer.run()))
      return signalPassFailure();
    numCollectives += materializer.numCollectives;
  }
};

} // namespace
