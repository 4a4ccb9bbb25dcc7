//===- DSShardingRulesShape.cpp - sharding rules of the layout ops --------===//
//
// The rules of reshape, transpose, slice, pad, concat and split. A reshape
// splits its dimensions into the factors both shapes share, so that a batch
// or sequence sharding survives merging or splitting heads; the other ops
// pass untouched dimensions through and need the dimensions they cut or
// glue whole. See DSShardingRules.cpp for the conventions.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "llvm/ADT/STLExtras.h"

#include <numeric>

using namespace mlir;
using namespace mlir::ds;

namespace {
using TensorFactors = SmallVector<SmallVector<int64_t, 2>>;

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

//===----------------------------------------------------------------------===//
// Reshape
//===----------------------------------------------------------------------===//

// Both shapes index the same row-major elements. A factor is a run of the
// flat index between two "cuts", positions counted from the major end as the
// product of the sizes before them; a dimension of size n starting at cut p
// may be cut at p * k for every k dividing n. A factor both shapes share
// needs both of its cuts in both shapes. From a common cut the walk takes
// the greatest common step of the two current dimensions (the gcd of what
// is left of them); where that is 1 the shapes diverge, and each one walks
// on its own, with factors that need replication, to the nearest cut they
// share again (at the latest the end of the tensor).

/// The divisors of `n` > 0, in increasing order.
SmallVector<int64_t> divisors(int64_t n) {
  SmallVector<int64_t> small, large;
  for (int64_t k = 1; k * k <= n; ++k) {
    if (n % k != 0)
      continue;
    small.push_back(k);
    if (k * k != n)
      large.push_back(n / k);
  }
  small.append(large.rbegin(), large.rend());
  return small;
}

/// One shape's progress through the walk.
struct ReshapeCursor {
  explicit ReshapeCursor(ArrayRef<int64_t> shape)
      : shape(shape), dims(shape.size()) {
    skipFinished();
  }

  bool done() const { return dim == shape.size(); }
  int64_t end() const { return start * shape[dim]; }
  /// What is left of the current dimension.
  int64_t remaining() const { return end() / cut; }

  /// Moves past finished dimensions and those of size 1, which stay
  /// without factors.
  void skipFinished() {
    while (!done() && cut == end()) {
      start = end();
      ++dim;
    }
  }

  /// Appends `factor` of `size` to the current dimension.
  void take(int64_t factor, int64_t size) {
    dims[dim].push_back(factor);
    cut *= size;
    skipFinished();
  }

  /// The cuts after the current one where this shape may put a factor
  /// boundary, in increasing order.
  SmallVector<int64_t> nextCuts() const {
    SmallVector<int64_t> cuts;
    auto addMultiples = [&](int64_t base, int64_t size) {
      for (int64_t k : divisors(size))
        if (k > 1)
          cuts.push_back(base * k);
    };
    addMultiples(cut, remaining());
    int64_t begin = end();
    for (size_t d = dim + 1; d < shape.size(); ++d) {
      addMultiples(begin, shape[d]);
      begin *= shape[d];
    }
    return cuts;
  }

  /// Walks alone to `target`, a cut of this shape, with one factor of
  /// `kind` per dimension crossed.
  void walkTo(int64_t target, ShardingRule &rule, FactorKind kind) {
    while (cut < target) {
      int64_t size = std::min(end(), target) / cut;
      take(rule.addFactor(size, kind), size);
    }
  }

  ArrayRef<int64_t> shape;
  TensorFactors dims;
  size_t dim = 0;
  int64_t start = 1;
  int64_t cut = 1;
};

/// The least cut in both sorted lists; both end with the element count.
int64_t firstCommon(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  const int64_t *l = lhs.begin(), *r = rhs.begin();
  while (*l != *r)
    (*l < *r ? l : r)++;
  return *l;
}

/// The rule of `slice` or `pad`: dimension `d` passes through where
/// `unchanged(d)`, and needs replication otherwise.
template <typename Pred>
ShardingRule cropRule(Value input, Value result, Pred unchanged) {
  ShardingRule rule;
  TensorFactors &operand = rule.operandDims.emplace_back();
  TensorFactors &output = rule.resultDims.emplace_back();
  ArrayRef<int64_t> resultShape = shapeOf(result);
  for (auto [d, size] : llvm::enumerate(shapeOf(input))) {
    if (unchanged(d)) {
      int64_t factor = rule.addFactor(size);
      operand.push_back({factor});
      output.push_back({factor});
      continue;
    }
    operand.push_back({rule.addFactor(size, FactorKind::NeedReplication)});
    output.push_back(
        {rule.addFactor(resultShape[d], FactorKind::NeedReplication)});
  }
  return rule;
}

/// The rule of `concat` or `split`: every dimension but `dim` passes through
/// `inputs` and `outputs`; `dim` needs replication, with a factor of its own
/// in every tensor since their sizes differ.
ShardingRule glueRule(ValueRange inputs, ValueRange outputs, int64_t dim) {
  ShardingRule rule;
  ArrayRef<int64_t> shape = shapeOf(inputs.front());
  TensorFactors shared;
  for (auto [d, size] : llvm::enumerate(shape))
    shared.push_back(static_cast<int64_t>(d) == dim
                         ? SmallVector<int64_t, 2>()
                         : SmallVector<int64_t, 2>{rule.addFactor(size)});
  auto factorsOf = [&](Value value) {
    TensorFactors dims = shared;
    dims[dim] = {
        rule.addFactor(shapeOf(value)[dim], FactorKind::NeedReplication)};
    return dims;
  };
  for (Value input : inputs)
    rule.operandDims.push_back(factorsOf(input));
  for (Value output : outputs)
    rule.resultDims.push_back(factorsOf(output));
  return rule;
}
} // namespace

ShardingRule ReshapeOp::getShardingRule() {
  ShardingRule rule;
  ArrayRef<int64_t> inShape = shapeOf(getInput());
  ArrayRef<int64_t> outShape = shapeOf(getResult());
  if (llvm::is_contained(inShape, 0) || llvm::is_contained(outShape, 0)) {
    // No elements: nothing to split, each dimension on its own.
    auto ownFactors = [&](ArrayRef<int64_t> shape) {
      TensorFactors dims;
      for (int64_t size : shape)
        dims.push_back({rule.addFactor(size, FactorKind::NeedReplication)});
      return dims;
    };
    rule.operandDims.push_back(ownFactors(inShape));
    rule.resultDims.push_back(ownFactors(outShape));
    return rule;
  }
  ReshapeCursor in(inShape), out(outShape);
  while (!in.done()) {
    int64_t step = std::gcd(in.remaining(), out.remaining());
    if (step > 1) {
      int64_t factor = rule.addFactor(step);
      in.take(factor, step);
      out.take(factor, step);
      continue;
    }
    int64_t target = firstCommon(in.nextCuts(), out.nextCuts());
    in.walkTo(target, rule, FactorKind::NeedReplication);
    out.walkTo(target, rule, FactorKind::NeedReplication);
  }
  rule.operandDims.push_back(std::move(in.dims));
  rule.resultDims.push_back(std::move(out.dims));
  return rule;
}

ShardingRule TransposeOp::getShardingRule() {
  ShardingRule rule;
  TensorFactors input;
  for (int64_t size : shapeOf(getInput()))
    input.push_back({rule.addFactor(size)});
  TensorFactors &result = rule.resultDims.emplace_back();
  for (int64_t d : getPermutation())
    result.push_back(input[d]);
  rule.operandDims.push_back(std::move(input));
  return rule;
}

ShardingRule SliceOp::getShardingRule() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  return cropRule(getInput(), getResult(), [&](size_t d) {
    return getStarts()[d] == 0 && getLimits()[d] == shape[d] &&
           getStrides()[d] == 1;
  });
}

ShardingRule PadOp::getShardingRule() {
  ArrayRef<int64_t> inShape = shapeOf(getInput());
  ArrayRef<int64_t> outShape = shapeOf(getResult());
  return cropRule(getInput(), getResult(), [&](size_t d) {
    return getLow()[d] == 0 && getStrides()[d] == 1 &&
           inShape[d] == outShape[d];
  });
}

ShardingRule ConcatOp::getShardingRule() {
  return glueRule(getInputs(), getResult(), getDim());
}

ShardingRule SplitOp::getShardingRule() {
  return glueRule(getInput(), getResults(), getDim());
}

// A split or padded dimension of a slice is always taken whole (the rule
// makes a partial range need replication), so its limit follows the size of
// the result.
void SliceOp::localizeAttributes() {
  ArrayRef<int64_t> shape = getType().getShape();
  SmallVector<int64_t> limits(getLimits());
  for (auto [d, size] : llvm::enumerate(shape))
    if (getStarts()[d] == 0 && getStrides()[d] == 1)
      limits[d] = size;
  setLimits(limits);
}
