//===- DSShardingRules.cpp - sharding rules of elementwise ds ops ---------===//
//
// Checks sharding rules against op types, and gives the rules of the ops
// whose operands broadcast to their results: elementwise arithmetic and
// activations (and their gradients), `broadcast`, constants and the
// optimizer updates. Products, reductions, norms, attention and losses are in
// DSShardingRulesNeural.cpp; the layout ops in DSShardingRulesShape.cpp.
//
// Conventions that all rules follow, so that one propagation reads them:
//
// - A dimension has no factors only where its size is 1 and it matches no
//   dimension of another tensor: a broadcast operand dimension, a `keepdim`
//   reduced dimension, a size-1 dimension of a reshape. Other dimensions of
//   size 1 keep their size-1 factor.
// - A reduction factor that appears in some results passes through those
//   results (each shard of the factor computes its slice of them) and is
//   reduced in the results it is absent from, which hold partial values that
//   the reduction completes. A factor has one kind per op, so this is how an
//   op states both: `layer_norm_grad`'s leading factors pass through into the
//   input gradient and are summed in the weight and bias gradients.
// - Where an operand and a result dimension cannot share a factor (sizes
//   differ because of a slice, pad, concatenation or split, or the pieces of
//   a reshape that do not line up), each tensor gets its own factor that
//   needs replication: splitting it would need data from other ranks.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::ds;

namespace {
using TensorFactors = SmallVector<SmallVector<int64_t, 2>>;

/// Checks the factors of one operand or result against its type.
bool verifyTensor(const ShardingRule &rule, Type type,
                  ArrayRef<SmallVector<int64_t, 2>> dims,
                  llvm::SmallBitVector &used) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType)
    return dims.empty();
  if (tensorType.getRank() != static_cast<int64_t>(dims.size()))
    return false;
  // A factor appears at most once per tensor: twice would make a diagonal.
  llvm::SmallDenseSet<int64_t> seen;
  for (auto [size, factors] : llvm::zip_equal(tensorType.getShape(), dims)) {
    if (ShapedType::isDynamic(size))
      return false;
    int64_t product = 1;
    for (int64_t factor : factors) {
      if (factor < 0 || factor >= rule.getNumFactors() ||
          !seen.insert(factor).second)
        return false;
      used.set(factor);
      product *= rule.factorSizes[factor];
    }
    if (product != size)
      return false;
  }
  return true;
}

/// The rule of an op whose results share one shape and whose operands
/// broadcast to it by the NumPy rule: one pass-through factor per result
/// dimension; operands align at the trailing dimensions, and an operand
/// dimension of size 1 that the result expands has no factor.
ShardingRule elementwiseRule(Operation *op) {
  ShardingRule rule;
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(op->getResult(0).getType()).getShape();
  TensorFactors result;
  for (int64_t size : shape)
    result.push_back({rule.addFactor(size)});
  for (Type type : op->getOperandTypes()) {
    ArrayRef<int64_t> operandShape = cast<RankedTensorType>(type).getShape();
    size_t offset = shape.size() - operandShape.size();
    TensorFactors &dims = rule.operandDims.emplace_back();
    for (auto [d, size] : llvm::enumerate(operandShape)) {
      if (size == shape[offset + d])
        dims.push_back(result[offset + d]);
      else
        dims.emplace_back();
    }
  }
  rule.resultDims.assign(op->getNumResults(), result);
  return rule;
}
} // namespace

SmallVector<int64_t>
ShardingRule::getMoveOrder(ArrayRef<int64_t> candidates) const {
  SmallVector<int64_t> order;
  for (int64_t f : moveTargets)
    if (llvm::is_contained(candidates, f))
      order.push_back(f);
  for (int64_t f : llvm::reverse(candidates))
    if (!llvm::is_contained(order, f))
      order.push_back(f);
  return order;
}

void ShardingRule::print(raw_ostream &os) const {
  auto name = [&](int64_t f) {
    std::string n(1, static_cast<char>('i' + f % 18));
    if (f >= 18)
      n += std::to_string(f / 18);
    return n;
  };
  auto printTensors = [&](ArrayRef<SmallVector<SmallVector<int64_t, 2>>> all) {
    os << "(";
    llvm::interleaveComma(all, os, [&](auto &dims) {
      os << "[";
      llvm::interleaveComma(dims, os, [&](auto &factors) {
        if (factors.empty())
          os << "1";
        for (int64_t f : factors)
          os << name(f);
      });
      os << "]";
    });
    os << ")";
  };
  auto printSet = [&](StringRef label, ArrayRef<int64_t> factors) {
    if (factors.empty())
      return;
    os << " " << label << "={";
    llvm::interleaveComma(factors, os, [&](int64_t f) { os << name(f); });
    os << "}";
  };
  printTensors(operandDims);
  os << "->";
  printTensors(resultDims);
  os << " {";
  for (int64_t f = 0; f < getNumFactors(); ++f)
    os << (f ? ", " : "") << name(f) << "=" << factorSizes[f];
  os << "}";
  auto ofKind = [&](FactorKind kind) {
    SmallVector<int64_t> out;
    for (int64_t f = 0; f < getNumFactors(); ++f)
      if (factorKinds[f] == kind)
        out.push_back(f);
    return out;
  };
  printSet("sum", ofKind(FactorKind::ReductionSum));
  printSet("mean", ofKind(FactorKind::ReductionMean));
  printSet("max", ofKind(FactorKind::ReductionMax));
  printSet("whole", ofKind(FactorKind::NeedReplication));
  printSet("paddable", paddableFactors);
  printSet("maskable", maskableFactors);
  printSet("move", moveTargets);
  if (llvm::any_of(paddingValues, [](auto &v) { return v.has_value(); })) {
    os << " padding=[";
    llvm::interleaveComma(paddingValues, os, [&](auto &v) {
      if (v)
        os << *v;
      else
        os << "_";
    });
    os << "]";
  }
}

bool ShardingRule::verify(Operation *op) const {
  if (factorKinds.size() != factorSizes.size() ||
      operandDims.size() != op->getNumOperands() ||
      resultDims.size() != op->getNumResults())
    return false;
  // Zero-sized factors are allowed for zero-sized dimensions.
  if (llvm::any_of(factorSizes, [](int64_t size) { return size < 0; }))
    return false;
  llvm::SmallBitVector used(getNumFactors());
  for (auto [type, dims] : llvm::zip_equal(op->getOperandTypes(), operandDims))
    if (!verifyTensor(*this, type, dims, used))
      return false;
  for (auto [type, dims] : llvm::zip_equal(op->getResultTypes(), resultDims))
    if (!verifyTensor(*this, type, dims, used))
      return false;
  // A factor in no tensor says nothing and hides a mistake in the rule.
  return used.all();
}

//===----------------------------------------------------------------------===//
// Unary and binary elementwise ops
//===----------------------------------------------------------------------===//

ShardingRule NegOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule ExpOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule LogOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule Log1pOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule Expm1Op::getShardingRule() { return elementwiseRule(*this); }
ShardingRule SqrtOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule RsqrtOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule TanhOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule TanOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule AsinOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule AcosOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule AtanOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule SinhOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule CoshOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule AsinhOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule AcoshOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule AtanhOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule Exp2Op::getShardingRule() { return elementwiseRule(*this); }
ShardingRule ErfinvOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule ErfOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule Log2Op::getShardingRule() { return elementwiseRule(*this); }
ShardingRule Log10Op::getShardingRule() { return elementwiseRule(*this); }
ShardingRule SinOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule CosOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule ReluOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule SiluOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule SigmoidOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule GeluOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule PowOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule RoundOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule ConvertOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule StopGradientOp::getShardingRule() {
  return elementwiseRule(*this);
}
ShardingRule SiluGradOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule GeluGradOp::getShardingRule() { return elementwiseRule(*this); }

ShardingRule AddOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule SubOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule MulOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule DivOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule MaximumOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule Atan2Op::getShardingRule() { return elementwiseRule(*this); }
ShardingRule PowerOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule LogAddExpOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule CompareOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule SelectOp::getShardingRule() { return elementwiseRule(*this); }

//===----------------------------------------------------------------------===//
// Broadcast and constants
//===----------------------------------------------------------------------===//

ShardingRule BroadcastOp::getShardingRule() { return elementwiseRule(*this); }

// A sharded constant or iota is the slice of the whole value that the rank
// holds; materialising it is the lowering's job, not a reason to replicate.
ShardingRule IotaOp::getShardingRule() { return elementwiseRule(*this); }
ShardingRule ConstantOp::getShardingRule() { return elementwiseRule(*this); }

// A random draw (a dropout mask, uniform numbers) is drawn whole, from each
// element's place in the whole tensor; a rank that needs a piece slices it
// (ds.local_slice), as the partitioner does for any replicated value a
// split reader takes.
static ShardingRule wholeDraw(ShapedType type) {
  ShardingRule rule;
  TensorFactors result;
  for (int64_t size : type.getShape())
    result.push_back({rule.addFactor(size, FactorKind::NeedReplication)});
  rule.operandDims.emplace_back();
  rule.resultDims.push_back(result);
  return rule;
}

ShardingRule DropoutMaskOp::getShardingRule() { return wholeDraw(getType()); }
ShardingRule UniformOp::getShardingRule() { return wholeDraw(getType()); }

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

namespace {
/// The parameter, its gradient, its state and the new values share every
/// factor; AdamW's 0-d step broadcasts, so it has none. Every factor needs
/// replication: a parameter is updated whole on every rank from its whole
/// gradient (a split gradient is gathered first), so the step's gradients
/// and state are the model's, under the model's names. ZeRO shards them on
/// purpose, not as a side effect of how the gradient happened to be split.
ShardingRule updateRule(Operation *op) {
  ShardingRule rule = elementwiseRule(op);
  for (FactorKind &kind : rule.factorKinds)
    kind = FactorKind::NeedReplication;
  return rule;
}
} // namespace

ShardingRule AdamWUpdateOp::getShardingRule() { return updateRule(*this); }
ShardingRule SgdUpdateOp::getShardingRule() { return updateRule(*this); }
