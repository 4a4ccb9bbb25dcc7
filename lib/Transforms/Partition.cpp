//===- Partition.cpp - -ds-partition --------------------------------------===//
//
// Splits the training step over a dp x sp mesh. Two phases over the step's
// ops in order:
//
//  1. Analysis, on the global types: each op's sharding rule maps its
//     operands' layouts onto factors; conflicts are settled (a split factor
//     that must be whole moves to another factor or is gathered; a whole
//     operand meeting a split factor takes its piece); partial results of
//     split reductions are noted; the results' layouts follow.
//  2. Rewriting: operands are converted to the layouts the op needs
//     (all_to_all, all_gather, local_slice on a view whose dimensions are
//     the layout's atoms), result types become the local types, partial
//     results get an all_reduce, and moved factors are moved back.
//
// Nothing here knows an op: everything comes from DS_ShardingRuleOpInterface.
//
//===----------------------------------------------------------------------===//

#include "AttentionHeads.h"
#include "LossDecomposition.h"
#include "PartitionInputs.h"
#include "SequencePadding.h"

#include "dsc/Analysis/ShardingLayout.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

namespace dsc {
#define GEN_PASS_DEF_PARTITIONPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;
using dsc::Atom;
using dsc::DimLayout;
using dsc::Layout;

namespace {

struct Mesh {
  SmallVector<std::string> names;
  SmallVector<int64_t> sizes;
  FlatSymbolRefAttr symbol;
};

/// What the analysis decided for one op.
struct OpPlan {
  SmallVector<std::optional<Layout>> operandLayouts;
  SmallVector<Layout> resultLayouts;
  /// Per result: (axis, kind) of the all-reduces that complete it.
  SmallVector<SmallVector<std::pair<int, ReductionKind>>> reductions;
  /// Per result: the layout to move it to after the op, if any.
  SmallVector<std::optional<Layout>> restore;
};

RankedTensorType rankedType(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

std::optional<ReductionKind> reductionOf(FactorKind kind) {
  switch (kind) {
  case FactorKind::ReductionSum: return ReductionKind::Sum;
  case FactorKind::ReductionMean: return ReductionKind::Mean;
  case FactorKind::ReductionMax: return ReductionKind::Max;
  default: return std::nullopt;
  }
}

class Partitioner {
public:
  Partitioner(ModuleOp module, func::FuncOp step, Mesh mesh)
      : module(module), step(step), mesh(std::move(mesh)),
        builder(step.getContext()) {}

  LogicalResult run(ArrayRef<std::pair<BlockArgument, Layout>> inputs);

private:
  LogicalResult analyse(Operation *op);
  LogicalResult rewrite(Operation *op);
  Layout layoutOf(Value v) {
    auto it = layouts.find(v);
    if (it != layouts.end())
      return it->second;
    return Layout::replicated(rankedType(v).getShape());
  }
  /// Converts `value` (global type `global`) from layout `from` to `to`.
  FailureOr<Value> convert(Value value, RankedTensorType global,
                           const Layout &from, const Layout &to, Location loc);
  RankedTensorType localType(RankedTensorType global, const Layout &layout) {
    return global.clone(layout.localShape(mesh.sizes));
  }
  ArrayAttr axesAttr(ArrayRef<int> axes) {
    SmallVector<Attribute> names;
    for (int axis : axes)
      names.push_back(builder.getStringAttr(mesh.names[axis]));
    return builder.getArrayAttr(names);
  }

  ModuleOp module;
  func::FuncOp step;
  Mesh mesh;
  OpBuilder builder;
  DenseMap<Value, Layout> layouts;
  /// Global types, recorded before any type changes.
  DenseMap<Value, RankedTensorType> globalTypes;
  DenseMap<Operation *, OpPlan> plans;
  /// Values moved back after their op, to the op's own result.
  DenseMap<Value, Value> movedBackFrom;
  /// Converted values, so that one value is resharded once per layout.
  std::map<std::pair<void *, std::string>, Value> converted;
};

/// Maps a layout's dimension onto the op's factors of that dimension: the
/// atoms each factor gets, or failure when the split cannot be expressed.
FailureOr<SmallVector<DimLayout>>
atomsPerFactor(const DimLayout &dim, ArrayRef<int64_t> factors,
               const ShardingRule &rule, ArrayRef<int64_t> axisSizes) {
  SmallVector<int64_t> factorSizes, atomSizes;
  for (int64_t f : factors)
    factorSizes.push_back(rule.factorSizes[f]);
  for (const Atom &a : dim)
    atomSizes.push_back(a.size);
  auto refined = dsc::refineSizes(atomSizes, factorSizes);
  if (!refined)
    return failure();
  auto pieces = dsc::splitAtoms(dim, *refined, axisSizes);
  if (!pieces)
    return failure();
  SmallVector<DimLayout> out(factors.size());
  size_t piece = 0;
  for (auto [i, f] : llvm::enumerate(factors)) {
    int64_t remaining = rule.factorSizes[f];
    while (remaining > 1 && piece < pieces->size()) {
      out[i].push_back((*pieces)[piece]);
      remaining /= (*pieces)[piece].size;
      ++piece;
    }
    if (out[i].empty())
      out[i].push_back(Atom{rule.factorSizes[f], -1});
  }
  return out;
}

/// Merges what two operands say about one factor; fails on a conflict.
FailureOr<DimLayout> mergeFactorAtoms(const DimLayout &a, const DimLayout &b,
                                      ArrayRef<int64_t> axisSizes) {
  SmallVector<int64_t> sa, sb;
  for (const Atom &x : a)
    sa.push_back(x.size);
  for (const Atom &x : b)
    sb.push_back(x.size);
  auto refined = dsc::refineSizes(sa, sb);
  if (!refined)
    return failure();
  auto pa = dsc::splitAtoms(a, *refined, axisSizes);
  auto pb = dsc::splitAtoms(b, *refined, axisSizes);
  if (!pa || !pb)
    return failure();
  DimLayout out;
  for (auto [x, y] : llvm::zip(*pa, *pb)) {
    if (x.axis >= 0 && y.axis >= 0 && x.axis != y.axis)
      return failure();
    out.push_back(Atom{x.size, x.axis >= 0 ? x.axis : y.axis});
  }
  return out;
}

bool isSplit(const DimLayout &atoms) {
  return llvm::any_of(atoms, [](const Atom &a) { return a.axis >= 0; });
}

/// Where operands split different factors over one mesh axis, keeps the
/// split of one factor and makes the others whole, so that their operands
/// are gathered (or resharded onto the kept factor) before the op. The kept
/// factor is the one that leaves the fewest operand elements to move (ties:
/// the factor of the earliest operand). Factors that need replication are
/// left to the next step, which makes them all whole and moves their axis
/// to one other factor (attention's two sequences go to its heads together).
void resolveAxisConflicts(Operation *op, const ShardingRule &rule,
                          SmallVector<DimLayout> &factorAtoms) {
  std::map<int, SmallVector<int64_t>> factorsOfAxis;
  for (auto [f, atoms] : llvm::enumerate(factorAtoms)) {
    if (rule.factorKinds[f] == FactorKind::NeedReplication)
      continue;
    for (const Atom &a : atoms)
      if (a.axis >= 0 && !llvm::is_contained(factorsOfAxis[a.axis], f))
        factorsOfAxis[a.axis].push_back(f);
  }
  for (auto &[axis, factors] : factorsOfAxis) {
    if (factors.size() < 2)
      continue;
    // Operand elements that would move if `keep` kept the axis: those of
    // every operand that has another of the factors.
    auto cost = [&](int64_t keep) {
      int64_t moved = 0;
      for (auto [i, dims] : llvm::enumerate(rule.operandDims)) {
        bool other = llvm::any_of(dims, [&](auto &dimFactors) {
          return llvm::any_of(dimFactors, [&](int64_t g) {
            return g != keep && llvm::is_contained(factors, g);
          });
        });
        if (other)
          moved += cast<RankedTensorType>(op->getOperand(i).getType())
                       .getNumElements();
      }
      return moved;
    };
    // In operand order, so that the first operand's factor wins a tie.
    SmallVector<int64_t> order;
    for (auto &dims : rule.operandDims)
      for (auto &dimFactors : dims)
        for (int64_t g : dimFactors)
          if (llvm::is_contained(factors, g) && !llvm::is_contained(order, g))
            order.push_back(g);
    if (order.empty())
      continue;
    int64_t keep = order.front();
    for (int64_t g : order)
      if (cost(g) < cost(keep))
        keep = g;
    for (int64_t g : factors)
      if (g != keep)
        for (Atom &a : factorAtoms[g])
          if (a.axis == axis)
            a.axis = -1;
  }
}

LogicalResult Partitioner::analyse(Operation *op) {
  auto ruleOp = dyn_cast<ShardingRuleOpInterface>(op);
  bool anySplit = llvm::any_of(op->getOperands(), [&](Value v) {
    return layouts.count(v) && !layouts[v].isReplicated();
  });
  OpPlan plan;
  if (!anySplit) {
    // Everything whole: the op runs as before on every rank.
    for (Value r : op->getResults())
      if (auto type = rankedType(r))
        layouts[r] = Layout::replicated(type.getShape());
    return success();
  }
  if (!ruleOp) {
    // An op without a rule (the return) needs its operands whole.
    for (Value v : op->getOperands())
      plan.operandLayouts.push_back(
          rankedType(v) ? std::optional<Layout>(Layout::replicated(
                              rankedType(v).getShape()))
                        : std::nullopt);
    plans[op] = std::move(plan);
    return success();
  }

  ShardingRule rule = ruleOp.getShardingRule();
  int64_t numFactors = rule.getNumFactors();
  SmallVector<DimLayout> factorAtoms(numFactors);
  for (int64_t f = 0; f < numFactors; ++f)
    factorAtoms[f] = {Atom{rule.factorSizes[f], -1}};

  // 1. What the operands say about each factor. A split that the op's
  // factors cannot express, or that contradicts what an earlier operand
  // said about a factor (another axis, other pieces), is not taken: that
  // operand is resharded to what the op settles on (gathered, at worst).
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (!rankedType(operand) || i >= rule.operandDims.size())
      continue;
    Layout layout = layoutOf(operand);
    if (layout.isReplicated())
      continue;
    for (auto [d, factors] : llvm::enumerate(rule.operandDims[i])) {
      if (!isSplit(layout.dims[d]))
        continue;
      auto perFactor =
          atomsPerFactor(layout.dims[d], factors, rule, mesh.sizes);
      if (failed(perFactor))
        continue;
      for (auto [k, f] : llvm::enumerate(factors)) {
        auto merged = mergeFactorAtoms(factorAtoms[f], (*perFactor)[k],
                                       mesh.sizes);
        if (succeeded(merged))
          factorAtoms[f] = *merged;
      }
    }
  }

  // 1b. A mesh axis splits at most one factor: operands that split
  // different factors over one axis (q and k both split on their sequence
  // in q · kᵀ) cannot both keep their split, since a rank would only meet
  // the blocks of its own coordinate.
  resolveAxisConflicts(op, rule, factorAtoms);

  // 2. Factors that must be whole: move their axis to one other factor
  // that every affected operand has (attention: sequence -> heads), or
  // gather them.
  std::map<int, SmallVector<int64_t>> toMove;
  for (int64_t f = 0; f < numFactors; ++f) {
    if (rule.factorKinds[f] != FactorKind::NeedReplication ||
        !isSplit(factorAtoms[f]))
      continue;
    for (const Atom &a : factorAtoms[f])
      if (a.axis >= 0)
        toMove[a.axis].push_back(f);
    factorAtoms[f] = {Atom{rule.factorSizes[f], -1}};
  }
  SmallVector<std::pair<int64_t, std::pair<int64_t, int>>> moved;
  for (auto &[axis, factors] : toMove) {
    // The factors of the operands that have one of `factors`, and how many
    // elements of those operands would lack each: an operand without the
    // target factor is gathered instead (a bias broadcast over the heads).
    SmallVector<int64_t> candidates;
    DenseMap<int64_t, int64_t> gathered;
    SmallVector<std::pair<SmallVector<int64_t>, int64_t>> affected;
    for (auto [i, dims] : llvm::enumerate(rule.operandDims)) {
      SmallVector<int64_t> has;
      for (auto &dimFactors : dims)
        has.append(dimFactors.begin(), dimFactors.end());
      if (llvm::none_of(factors,
                        [&](int64_t f) { return llvm::is_contained(has, f); }))
        continue;
      for (int64_t g : has)
        if (!llvm::is_contained(candidates, g))
          candidates.push_back(g);
      affected.push_back(
          {has, cast<RankedTensorType>(op->getOperand(i).getType())
                    .getNumElements()});
    }
    for (int64_t g : candidates)
      for (auto &[has, elements] : affected)
        if (!llvm::is_contained(has, g))
          gathered[g] += elements;
    bool axisUsed = llvm::any_of(factorAtoms, [&](const DimLayout &atoms) {
      return llvm::any_of(atoms, [&](const Atom &a) { return a.axis == axis; });
    });
    // Moving is only done when every result keeps one of the moved factors,
    // so the split can be moved back after the op; otherwise (a slice that
    // changes the dimension) the factor is gathered.
    bool restorable = llvm::all_of(rule.resultDims, [&](auto &dims) {
      return llvm::any_of(dims, [&](auto &dimFactors) {
        return llvm::any_of(dimFactors, [&](int64_t g) {
          return llvm::is_contained(factors, g);
        });
      });
    });
    // The fewest gathered elements; among equals the last candidate (heads
    // rather than batch).
    std::optional<int64_t> target;
    if (!axisUsed && restorable)
      for (int64_t g : candidates)
        if (rule.factorKinds[g] == FactorKind::PassThrough &&
            !isSplit(factorAtoms[g]) &&
            rule.factorSizes[g] % mesh.sizes[axis] == 0 &&
            (!target || gathered[g] <= gathered[*target]))
          target = g;
    if (!target)
      continue;
    factorAtoms[*target] = {Atom{rule.factorSizes[*target], axis}};
    for (int64_t f : factors)
      moved.push_back({f, {*target, axis}});
  }

  // 3. Operand layouts: their dimensions rebuilt from the factors' atoms.
  auto buildLayout = [&](ArrayRef<SmallVector<int64_t, 2>> dims,
                         RankedTensorType type) {
    Layout layout;
    for (auto [d, factors] : llvm::enumerate(dims)) {
      DimLayout dim;
      for (int64_t f : factors)
        dim.append(factorAtoms[f].begin(), factorAtoms[f].end());
      if (dim.empty())
        dim.push_back(Atom{type.getDimSize(d), -1});
      layout.dims.push_back(dim);
    }
    layout.normalize();
    return layout;
  };
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (!rankedType(operand) || i >= rule.operandDims.size()) {
      plan.operandLayouts.push_back(std::nullopt);
      continue;
    }
    plan.operandLayouts.push_back(
        buildLayout(rule.operandDims[i], rankedType(operand)));
  }

  // 4. Results: layouts, partial sums of split reductions, moves back.
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    auto type = rankedType(result);
    Layout layout = buildLayout(rule.resultDims[i], type);
    SmallVector<std::pair<int, ReductionKind>> reductions;
    SmallVector<int64_t> present;
    for (auto &factors : rule.resultDims[i])
      present.append(factors.begin(), factors.end());
    for (int64_t f = 0; f < numFactors; ++f) {
      std::optional<ReductionKind> kind = reductionOf(rule.factorKinds[f]);
      if (!kind || llvm::is_contained(present, f))
        continue;
      for (const Atom &a : factorAtoms[f])
        if (a.axis >= 0)
          reductions.push_back({a.axis, *kind});
    }
    std::optional<Layout> back;
    for (auto [f, to] : moved) {
      if (back || !llvm::is_contained(present, f) ||
          rule.factorSizes[f] % mesh.sizes[to.second] != 0)
        continue;
      SmallVector<DimLayout> saved = factorAtoms;
      factorAtoms[f] = {Atom{rule.factorSizes[f], to.second}};
      factorAtoms[to.first] = {Atom{rule.factorSizes[to.first], -1}};
      back = buildLayout(rule.resultDims[i], type);
      factorAtoms = saved;
    }
    layouts[result] = back ? *back : layout;
    plan.resultLayouts.push_back(std::move(layout));
    plan.reductions.push_back(std::move(reductions));
    plan.restore.push_back(std::move(back));
  }
  plans[op] = std::move(plan);
  return success();
}

FailureOr<Value> Partitioner::convert(Value value, RankedTensorType global,
                                      const Layout &from, const Layout &to,
                                      Location loc) {
  if (from == to)
    return value;
  // A value moved back after its op (attention's output) is wanted in the
  // op's layout again (by the backward): use the op's result itself.
  if (auto it = movedBackFrom.find(value); it != movedBackFrom.end())
    if (layoutOf(it->second) == to)
      return it->second;
  std::string key = from.str(mesh.names) + "->" + to.str(mesh.names);
  auto cacheKey = std::make_pair(value.getAsOpaquePointer(), key);
  if (auto it = converted.find(cacheKey); it != converted.end())
    return it->second;

  // Work on a view whose dimensions are the atoms both layouts agree on.
  SmallVector<DimLayout> fromAtoms, toAtoms;
  SmallVector<int64_t> dimOfAtom;
  for (auto [d, pair] : llvm::enumerate(llvm::zip(from.dims, to.dims))) {
    auto [a, b] = pair;
    SmallVector<int64_t> sa, sb;
    for (const Atom &x : a)
      sa.push_back(x.size);
    for (const Atom &x : b)
      sb.push_back(x.size);
    auto refined = dsc::refineSizes(sa, sb);
    auto pa = refined ? dsc::splitAtoms(a, *refined, mesh.sizes) : std::nullopt;
    auto pb = refined ? dsc::splitAtoms(b, *refined, mesh.sizes) : std::nullopt;
    if (!pa || !pb)
      return emitError(loc) << "cannot reshard " << from.str(mesh.names)
                            << " to " << to.str(mesh.names);
    fromAtoms.push_back(*pa);
    toAtoms.push_back(*pb);
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
      v = AllToAllOp::create(builder, loc, localType(atomGlobal, current), v,
                             mesh.symbol, axesAttr({axis}),
                             builder.getI64IntegerAttr(dst),
                             builder.getI64IntegerAttr(src),
                             /*real_dim=*/nullptr, /*real_sizes=*/nullptr);
      break;
    }
  }
  // Whatever is still split but should be whole: all_gather.
  for (int64_t d = 0; d < n; ++d) {
    int axis = current.dims[d][0].axis;
    if (axis >= 0 && target.dims[d][0].axis != axis) {
      current.dims[d][0].axis = -1;
      v = AllGatherOp::create(builder, loc, localType(atomGlobal, current), v,
                              mesh.symbol, axesAttr({axis}),
                              builder.getI64IntegerAttr(d));
    }
  }
  // Whatever is whole but should be split: this rank's piece.
  for (int64_t d = 0; d < n; ++d) {
    int axis = target.dims[d][0].axis;
    if (axis >= 0 && current.dims[d][0].axis != axis) {
      current.dims[d][0].axis = axis;
      v = LocalSliceOp::create(builder, loc, localType(atomGlobal, current), v,
                               mesh.symbol, axesAttr({axis}),
                              builder.getI64IntegerAttr(d));
    }
  }
  reshapeTo(localType(global, to));
  converted[cacheKey] = v;
  return v;
}

LogicalResult Partitioner::rewrite(Operation *op) {
  auto it = plans.find(op);
  if (it == plans.end()) {
    // Unchanged op: results keep (replicated) global types.
    return success();
  }
  OpPlan &plan = it->second;
  builder.setInsertionPoint(op);
  for (auto [i, target] : llvm::enumerate(plan.operandLayouts)) {
    if (!target)
      continue;
    Value operand = op->getOperand(i);
    FailureOr<Value> v = convert(operand, globalTypes.lookup(operand),
                                 layoutOf(operand), *target, op->getLoc());
    if (failed(v))
      return failure();
    op->setOperand(i, *v);
  }
  for (auto [result, layout] :
       llvm::zip(op->getResults(), plan.resultLayouts))
    result.setType(localType(globalTypes.lookup(result), layout));
  if (auto ruleOp = dyn_cast<ShardingRuleOpInterface>(op))
    ruleOp.localizeAttributes();
  builder.setInsertionPointAfter(op);
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    if (i >= plan.resultLayouts.size())
      break;
    RankedTensorType global = globalTypes.lookup(result);
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : result.getUses())
      uses.push_back(&use);
    Value v = result;
    // One all-reduce per kind over all the axes that left partial results.
    std::map<ReductionKind, SmallVector<int>> axesByKind;
    for (auto [axis, kind] : plan.reductions[i])
      if (!llvm::is_contained(axesByKind[kind], axis))
        axesByKind[kind].push_back(axis);
    for (auto &[kind, axes] : axesByKind) {
      llvm::sort(axes);
      v = AllReduceOp::create(
          builder, op->getLoc(), v, mesh.symbol, axesAttr(axes),
          ReductionKindAttr::get(builder.getContext(), kind));
    }
    Value completed = v;
    if (plan.restore[i]) {
      FailureOr<Value> back = convert(v, global, plan.resultLayouts[i],
                                      *plan.restore[i], op->getLoc());
      if (failed(back))
        return failure();
      v = *back;
    }
    if (v == result)
      continue;
    // Later ops read the completed value, in its final layout.
    for (OpOperand *use : uses)
      use->set(v);
    globalTypes[v] = global;
    globalTypes[completed] = global;
    layouts[v] = layouts.lookup(result);
    layouts[completed] = plan.resultLayouts[i];
    layouts[result] = plan.resultLayouts[i];
    if (completed != v)
      movedBackFrom[v] = completed;
    if (v.getDefiningOp())
      builder.setInsertionPointAfter(v.getDefiningOp());
  }
  return success();
}

LogicalResult
Partitioner::run(ArrayRef<std::pair<BlockArgument, Layout>> inputs) {
  Block &body = step.front();
  for (BlockArgument arg : body.getArguments())
    if (auto type = rankedType(arg))
      globalTypes[arg] = type;
  body.walk([&](Operation *op) {
    for (Value r : op->getResults())
      if (auto type = rankedType(r))
        globalTypes[r] = type;
  });
  for (auto &[arg, layout] : inputs)
    layouts[arg] = layout;

  for (Operation &op : body)
    if (failed(analyse(&op)))
      return failure();
  for (auto [input, layout] : inputs) {
    BlockArgument arg = input;
    arg.setType(localType(globalTypes.lookup(arg), layout));
  }
  SmallVector<Operation *> ops;
  for (Operation &op : body)
    ops.push_back(&op);
  for (Operation *op : ops)
    if (failed(rewrite(op)))
      return failure();

  step.setType(builder.getFunctionType(
      body.getArgumentTypes(), body.getTerminator()->getOperandTypes()));
  return success();
}

} // namespace

namespace {

struct PartitionPass : dsc::impl::PartitionPassBase<PartitionPass> {
  using PartitionPassBase::PartitionPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (dp < 1 || sp < 1) {
      module.emitError() << "dp and sp must be at least 1";
      return signalPassFailure();
    }
    auto step = module.lookupSymbol<func::FuncOp>("train_step");
    if (dp == 1 && sp == 1) {
      // Nothing to split, but a misspelt input name is still an error.
      if (step && failed(dsc::findSplitInputs(module, step, seqDims, batchDims,
                                              /*bothSplit=*/false)))
        signalPassFailure();
      return;
    }
    if (!step) {
      module.emitError() << "ds-partition needs func.func @train_step (run "
                            "-ds-autodiff first)";
      return signalPassFailure();
    }

    Mesh mesh;
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
    SmallVector<Attribute> names;
    for (const std::string &name : mesh.names)
      names.push_back(builder.getStringAttr(name));
    MeshOp::create(builder, module.getLoc(), "mesh",
                   builder.getArrayAttr(names),
                   builder.getDenseI64ArrayAttr(mesh.sizes));
    mesh.symbol = FlatSymbolRefAttr::get(module.getContext(), "mesh");

    // Which inputs to split, along which dimensions.
    FailureOr<SmallVector<dsc::SplitInput>> splitInputs =
        dsc::findSplitInputs(module, step, seqDims, batchDims,
                             /*bothSplit=*/dp > 1 && sp > 1);
    if (failed(splitInputs))
      return signalPassFailure();

    dsc::decomposeMeanLosses(step);
    dsc::prepareAttentionHeads(step, sp);
    // A sequence that sp does not divide grows to the next multiple.
    SmallVector<dsc::SequencePad> pads;
    for (const dsc::SplitInput &input : *splitInputs) {
      auto type = cast<RankedTensorType>(input.arg.getType());
      if (sp > 1 && input.seq < type.getRank() &&
          type.getDimSize(input.seq) % sp != 0)
        pads.push_back({input.arg, input.seq,
                        static_cast<int64_t>(llvm::divideCeil(
                            type.getDimSize(input.seq), sp)) * sp});
    }
    if (failed(dsc::padSequence(step, pads)))
      return signalPassFailure();

    SmallVector<std::pair<BlockArgument, Layout>> inputs;
    for (const dsc::SplitInput &input : *splitInputs) {
      BlockArgument arg = input.arg;
      auto name = step.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                    "ds.name");
      auto type = cast<RankedTensorType>(arg.getType());
      Layout layout = Layout::replicated(type.getShape());
      SmallVector<Attribute> shardingDims(type.getRank(),
                                          builder.getArrayAttr({}));
      auto split = [&](int64_t dim, int axis) -> LogicalResult {
        StringRef inputName = name ? name.getValue() : "";
        if (dim >= type.getRank())
          return step.emitError()
                 << "input '" << inputName << "' of type " << type
                 << " has no dimension " << dim << " to split over "
                 << mesh.names[axis];
        if (type.getDimSize(dim) % mesh.sizes[axis] != 0)
          return step.emitError()
                 << "input '" << inputName << "' dimension " << dim
                 << " of size " << type.getDimSize(dim)
                 << " cannot be split over " << mesh.names[axis] << " = "
                 << mesh.sizes[axis];
        layout.dims[dim][0].axis = axis;
        shardingDims[dim] = builder.getArrayAttr(
            {builder.getStringAttr(mesh.names[axis])});
        return success();
      };
      int axis = 0;
      if (dp > 1 && failed(split(input.batch, axis++)))
        return signalPassFailure();
      if (sp > 1 && failed(split(input.seq, axis)))
        return signalPassFailure();
      step.setArgAttr(arg.getArgNumber(), "ds.sharding",
                      ShardingAttr::get(module.getContext(), mesh.symbol,
                                        llvm::map_to_vector(shardingDims, [](
                                            Attribute a) {
                                          return cast<ArrayAttr>(a);
                                        })));
      inputs.push_back({arg, layout});
    }

    if (failed(Partitioner(module, step, mesh).run(inputs)))
      signalPassFailure();
  }
};

} // namespace
