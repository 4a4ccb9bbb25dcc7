//===- ShardingRule.h - einsum-like factor rules of ds ops ------*- C++ -*-===//
//
// An op's sharding rule describes its iteration space as factors, as
// Shardy's OpShardingRule does: every dimension of every operand and result
// is a product of factors (major to minor). Sharding propagation reads the
// rule to carry a sharding from operands to results and to decide where
// collectives are needed, without knowing the op.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_SHARDINGRULE_H
#define DSC_DIALECT_DS_IR_SHARDINGRULE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace llvm {
class raw_ostream;
} // namespace llvm

#include <cstdint>

namespace mlir {
class Operation;
namespace ds {

/// What sharding a factor means for the op.
enum class FactorKind {
  /// Appears in operands and results alike (batch, sequence, heads, ...):
  /// splitting it splits the computation with no communication.
  PassThrough,
  /// Summed over (a contraction): split, it leaves partial sums that an
  /// all-reduce (sum) completes. Like every reduction kind, it may also
  /// appear in some results: it passes through those (each shard computes
  /// its slice of them) and is reduced in the results it is absent from
  /// (`layer_norm_grad`: the leading factors pass through into the input
  /// gradient and are summed in the weight and bias gradients).
  ReductionSum,
  /// Averaged over: split in equal pieces, an all-reduce (mean) completes.
  ReductionMean,
  /// Maximised over: an all-reduce (max) completes.
  ReductionMax,
  /// Must be whole on every rank (a softmax axis, attention's sequence, a
  /// sliced or concatenated dimension): a split operand is resharded first.
  NeedReplication,
};

/// The factors of an op and how its operand and result dimensions are made
/// of them. A dimension with no factors has size 1 (a broadcast dimension).
struct ShardingRule {
  llvm::SmallVector<int64_t> factorSizes;
  llvm::SmallVector<FactorKind> factorKinds;
  /// operandDims[i][d]: the factors of dimension d of operand i.
  llvm::SmallVector<llvm::SmallVector<llvm::SmallVector<int64_t, 2>>>
      operandDims;
  /// resultDims[i][d]: the factors of dimension d of result i.
  llvm::SmallVector<llvm::SmallVector<llvm::SmallVector<int64_t, 2>>>
      resultDims;

  /// For sequence padding (a factor grown at its end to a size the mesh
  /// divides): factors that must be whole but whose padded positions never
  /// reach results at real positions (causal attention's sequences).
  llvm::SmallVector<int64_t> paddableFactors;
  /// For sequence padding: factors that must be whole but whose padding the
  /// op leaves out once told the real size (`maskPadding`): the keys of
  /// attention, by its key length.
  llvm::SmallVector<int64_t> maskableFactors;
  /// For sequence padding: pairs of factors whose sizes must stay equal
  /// (causal attention's query and key lengths): padding one pads the
  /// other the same way.
  llvm::SmallVector<std::pair<int64_t, int64_t>> equalFactors;
  /// For sequence padding: per operand, the value its padded positions must
  /// hold for the op to stay exact (the loss's labels: `ignore_index`), or
  /// none where the kinds of its factors decide (a sum masks with 0). May be
  /// shorter than the operands.
  llvm::SmallVector<std::optional<double>> paddingValues;

  /// Where a mesh axis goes when it split a factor that must be whole and
  /// the op needs it elsewhere (attention: the sequence's axis goes to the
  /// heads): the factors to prefer, first to last, among the candidates
  /// that gather the fewest operand elements. Candidates not listed follow
  /// in reverse order of appearance (the heads of [B, H, S, D] before the
  /// batch). See getMoveOrder.
  llvm::SmallVector<int64_t> moveTargets;

  /// Adds a factor and returns its index.
  int64_t addFactor(int64_t size, FactorKind kind = FactorKind::PassThrough) {
    factorSizes.push_back(size);
    factorKinds.push_back(kind);
    return factorSizes.size() - 1;
  }
  int64_t getNumFactors() const { return factorSizes.size(); }
  /// `candidates` (factors in order of appearance) in order of preference
  /// as move targets: moveTargets first, then the rest, last first.
  llvm::SmallVector<int64_t>
  getMoveOrder(llvm::ArrayRef<int64_t> candidates) const;
  /// Prints the rule as Shardy writes one, factors named i, j, k, ...:
  /// `([i, j], [j, k])->([i, k]) {i=8, j=16, k=4} sum={j} move={i}`.
  void print(llvm::raw_ostream &os) const;
  /// Checks the rule against the op's types: one entry per operand/result
  /// dimension, factor products equal to dimension sizes, known factors.
  bool verify(Operation *op) const;
};

} // namespace ds
} // namespace mlir

#endif // DSC_DIALECT_DS_IR_SHARDINGRULE_H
