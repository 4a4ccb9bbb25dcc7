//===- ShardingPropagation.cpp - decide shardings op by op ----------------===//
//
// For one op, from its operands' layouts:
//  1. what the operands say about each factor of the op's rule (a split the
//     factors cannot express, or that contradicts another operand, is not
//     taken: that operand is resharded);
//  1b. a mesh axis splits at most one factor (resolveAxisConflicts);
//  2. a split factor that must be whole moves its axis to another factor
//     that every affected operand has, or is gathered;
//  3. the operands' layouts rebuilt from the factors;
//  4. the results' layouts, their partial axes, and moves back.
//
//===----------------------------------------------------------------------===//

#include "dsc/Analysis/ShardingPropagation.h"

#include "dsc/Analysis/FactorPropagation.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

#include <map>

using namespace mlir;
using namespace mlir::ds;
using dsc::Atom;
using dsc::DimLayout;
using dsc::Layout;
using dsc::OpSharding;
using dsc::ShardingPropagation;

namespace {

RankedTensorType rankedType(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

std::optional<ReductionKind> reductionOf(FactorKind kind) {
  switch (kind) {
  case FactorKind::ReductionSum:
    return ReductionKind::Sum;
  case FactorKind::ReductionMean:
    return ReductionKind::Mean;
  case FactorKind::ReductionMax:
    return ReductionKind::Max;
  default:
    return std::nullopt;
  }
}

/// Sharding for the shared driver (FactorPropagation.h): an atom is marked
/// when split; two operands' atoms of a factor merge when they agree on
/// every piece's axis.
struct ShardAtoms {
  using Atom = dsc::Atom;
  using Dim = DimLayout;
  ArrayRef<int64_t> axisSizes;

  int64_t sizeOf(const Atom &a) const { return a.size; }
  Atom whole(int64_t size) const { return Atom{size, -1}; }
  bool isMarked(const Atom &a) const { return a.axis >= 0; }
  std::optional<Dim> cut(const Dim &dim, ArrayRef<int64_t> sizes) const {
    return dsc::splitAtoms(dim, sizes, axisSizes);
  }
  FailureOr<Dim> merge(const Dim &a, const Dim &b) const {
    auto aligned = dsc::alignAtoms(a, b, axisSizes);
    if (!aligned)
      return failure();
    Dim out;
    for (auto [x, y] : llvm::zip(aligned->first, aligned->second)) {
      if (x.axis >= 0 && y.axis >= 0 && x.axis != y.axis)
        return failure();
      out.push_back(Atom{x.size, x.axis >= 0 ? x.axis : y.axis});
    }
    // Splits of different pieces over one axis (a flattened [batch, seq]
    // split on its batch in one operand and on its sequence in the other)
    // do not combine: a rank holds one block of each axis.
    if (!dsc::axesUsedOnce(out))
      return failure();
    return out;
  }
};
using Factors = dsc::FactorAtoms<ShardAtoms>;

/// Where operands split different factors over one mesh axis, keeps the
/// split of one factor and makes the others whole, so that their operands
/// are gathered (or resharded onto the kept factor) before the op. The kept
/// factor is the one that leaves the fewest operand elements to move (ties:
/// the factor of the earliest operand). Factors that need replication are
/// left to the next step, which makes them all whole and moves their axis
/// to one other factor (attention's two sequences go to its heads together).
void resolveAxisConflicts(Operation *op, const ShardingRule &rule,
                          Factors &factorAtoms) {
  std::map<int, SmallVector<int64_t>> factorsOfAxis;
  for (int64_t f = 0; f < rule.getNumFactors(); ++f) {
    if (rule.factorKinds[f] == FactorKind::NeedReplication)
      continue;
    for (const Atom &a : factorAtoms[f])
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

} // namespace

Layout ShardingPropagation::layoutOf(Value v) const {
  auto it = layouts.find(v);
  if (it != layouts.end())
    return it->second;
  return Layout::replicated(rankedType(v).getShape());
}

std::optional<OpSharding> ShardingPropagation::propagate(Operation *op) {
  auto ruleOp = dyn_cast<ShardingRuleOpInterface>(op);
  bool anySplit = llvm::any_of(op->getOperands(), [&](Value v) {
    return layouts.count(v) && !layouts[v].isReplicated();
  });
  OpSharding plan;
  if (!anySplit) {
    // Everything whole: the op runs as before on every rank.
    for (Value r : op->getResults())
      if (auto type = rankedType(r))
        layouts[r] = Layout::replicated(type.getShape());
    return std::nullopt;
  }
  if (!ruleOp) {
    // An op without a rule (the return) needs its operands whole.
    for (Value v : op->getOperands())
      plan.operands.push_back(rankedType(v)
                                  ? std::optional<Layout>(Layout::replicated(
                                        rankedType(v).getShape()))
                                  : std::nullopt);
    return plan;
  }

  ShardingRule rule = ruleOp.getShardingRule();
  int64_t numFactors = rule.getNumFactors();
  Factors factorAtoms(rule, ShardAtoms{mesh.sizes});

  // 1. What the operands say about each factor. A split that the op's
  // factors cannot express, or that contradicts what an earlier operand
  // said about a factor (another axis, other pieces), is not taken: that
  // operand is resharded to what the op settles on (gathered, at worst).
  SmallVector<Layout> operandLayouts;
  for (Value operand : op->getOperands())
    operandLayouts.push_back(rankedType(operand) ? layoutOf(operand)
                                                 : Layout());
  (void)factorAtoms.read(
      op->getNumOperands(),
      [&](unsigned i) { return ArrayRef<DimLayout>(operandLayouts[i].dims); },
      [](unsigned, unsigned, dsc::FactorMismatch) { return success(); });

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
        !factorAtoms.isMarked(f))
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
    bool axisUsed =
        llvm::any_of(llvm::seq<int64_t>(0, numFactors), [&](int64_t g) {
          return llvm::any_of(factorAtoms[g],
                              [&](const Atom &a) { return a.axis == axis; });
        });
    // Moving to `g` is only done when every result keeps one of the moved
    // factors, so that the split can be moved back after the op, or keeps
    // `g`, so that it stays split there (the sinks' gradient [Hq] of an
    // attention whose sequence went to the heads). Otherwise (a slice that
    // changes the dimension) the factor is gathered.
    auto restorable = [&](int64_t g) {
      return llvm::all_of(rule.resultDims, [&](auto &dims) {
        return llvm::any_of(dims, [&](auto &dimFactors) {
          return llvm::any_of(dimFactors, [&](int64_t h) {
            return h == g || llvm::is_contained(factors, h);
          });
        });
      });
    };
    // The fewest gathered elements; among equals the rule's preference
    // (ShardingRule::moveTargets: attention's heads rather than its batch).
    std::optional<int64_t> target;
    if (!axisUsed)
      for (int64_t g : rule.getMoveOrder(candidates))
        if (rule.factorKinds[g] == FactorKind::PassThrough && restorable(g) &&
            !factorAtoms.isMarked(g) &&
            rule.factorSizes[g] % mesh.sizes[axis] == 0 &&
            (!target || gathered[g] < gathered[*target]))
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
    Layout layout{factorAtoms.build(dims, type.getShape())};
    layout.normalize();
    return layout;
  };
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (!rankedType(operand) || i >= rule.operandDims.size()) {
      plan.operands.push_back(std::nullopt);
      continue;
    }
    plan.operands.push_back(
        buildLayout(rule.operandDims[i], rankedType(operand)));
  }

  // 4. Results: layouts, partial sums of split reductions, moves back.
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    auto type = rankedType(result);
    Layout layout = buildLayout(rule.resultDims[i], type);
    SmallVector<std::pair<int, ReductionKind>> partial;
    SmallVector<int64_t> present;
    for (auto &factors : rule.resultDims[i])
      present.append(factors.begin(), factors.end());
    for (int64_t f = 0; f < numFactors; ++f) {
      std::optional<ReductionKind> kind = reductionOf(rule.factorKinds[f]);
      if (!kind || llvm::is_contained(present, f))
        continue;
      for (const Atom &a : factorAtoms[f])
        if (a.axis >= 0)
          partial.push_back({a.axis, *kind});
    }
    std::optional<Layout> back;
    for (auto [f, to] : moved) {
      if (back || !llvm::is_contained(present, f) ||
          rule.factorSizes[f] % mesh.sizes[to.second] != 0)
        continue;
      Factors saved = factorAtoms;
      factorAtoms[f] = {Atom{rule.factorSizes[f], to.second}};
      factorAtoms[to.first] = {Atom{rule.factorSizes[to.first], -1}};
      back = buildLayout(rule.resultDims[i], type);
      factorAtoms = saved;
    }
    layouts[result] = back ? *back : layout;
    // One all-reduce per kind, over the axes in order, completes it.
    llvm::sort(partial, [](auto &x, auto &y) {
      return std::make_pair(static_cast<int>(x.second), x.first) <
             std::make_pair(static_cast<int>(y.second), y.first);
    });
    partial.erase(std::unique(partial.begin(), partial.end()), partial.end());
    plan.results.push_back({std::move(layout), std::move(partial)});
    plan.restore.push_back(std::move(back));
  }
  return plan;
}

ShardingAttr dsc::toAttr(MLIRContext *context, FlatSymbolRefAttr meshSymbol,
                         const MeshAxes &mesh, const ValueSharding &sharding) {
  Builder b(context);
  SmallVector<ArrayAttr> dims;
  for (const DimLayout &dim : sharding.layout.dims) {
    SmallVector<Attribute> entries;
    if (dim.size() == 1) {
      // One atom: the dimension is whole or split over one axis.
      if (dim[0].axis >= 0)
        entries.push_back(b.getStringAttr(mesh.names[dim[0].axis]));
    } else {
      for (const Atom &a : dim)
        entries.push_back(
            a.axis < 0 ? Attribute(b.getI64IntegerAttr(a.size))
                       : b.getArrayAttr({b.getI64IntegerAttr(a.size),
                                         b.getStringAttr(mesh.names[a.axis])}));
    }
    dims.push_back(b.getArrayAttr(entries));
  }
  SmallVector<PartialAxis> partial;
  for (auto [axis, kind] : sharding.partial)
    partial.push_back({b.getStringAttr(mesh.names[axis]), kind});
  return ShardingAttr::get(context, meshSymbol, dims, partial);
}

FailureOr<dsc::ValueSharding> dsc::fromAttr(ShardingAttr attr,
                                            ArrayRef<int64_t> shape,
                                            const MeshAxes &mesh,
                                            std::string &error) {
  auto axisOf = [&](Attribute name) -> int {
    auto it = llvm::find(mesh.names, cast<StringAttr>(name).getValue());
    return it == mesh.names.end() ? -1 : it - mesh.names.begin();
  };
  if (attr.getRank() != static_cast<int64_t>(shape.size())) {
    error = "the sharding has " + std::to_string(attr.getRank()) +
            " dimensions, the tensor " + std::to_string(shape.size());
    return failure();
  }
  ValueSharding out;
  for (auto [d, entries] : llvm::enumerate(attr.getDims())) {
    DimLayout dim;
    if (!attr.hasPieces(d)) {
      if (entries.size() > 1) {
        error = "dimension " + std::to_string(d) +
                " is split over more than one axis";
        return failure();
      }
      dim.push_back(Atom{shape[d], entries.empty() ? -1 : axisOf(entries[0])});
      if (!entries.empty() && dim[0].axis < 0) {
        error = "unknown mesh axis";
        return failure();
      }
    } else {
      int64_t product = 1;
      for (Attribute entry : entries) {
        if (auto size = dyn_cast<IntegerAttr>(entry)) {
          dim.push_back(Atom{size.getInt(), -1});
        } else {
          auto piece = cast<ArrayAttr>(entry);
          dim.push_back(
              Atom{cast<IntegerAttr>(piece[0]).getInt(), axisOf(piece[1])});
          if (dim.back().axis < 0) {
            error = "unknown mesh axis";
            return failure();
          }
        }
        product *= dim.back().size;
      }
      if (product != shape[d]) {
        error = "the pieces of dimension " + std::to_string(d) +
                " do not multiply to its size";
        return failure();
      }
    }

    for (const Atom &a : dim)
      if (a.axis >= 0 && a.size % mesh.sizes[a.axis] != 0) {
        error = "a piece of size " + std::to_string(a.size) +
                " cannot be split over " + mesh.names[a.axis];
        return failure();
      }
    out.layout.dims.push_back(dim);
  }
  SmallVector<Atom> atoms;
  for (const DimLayout &dim : out.layout.dims)
    atoms.append(dim.begin(), dim.end());
  if (!dsc::axesUsedOnce(atoms)) {
    error = "a mesh axis splits more than one dimension or piece";
    return failure();
  }
  for (const PartialAxis &p : attr.getPartial()) {
    int axis = axisOf(p.axis);
    if (axis < 0) {
      error = "unknown mesh axis";
      return failure();
    }
    out.partial.push_back({axis, p.kind});
  }
  return out;
}
