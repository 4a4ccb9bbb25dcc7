//===- FactorPropagation.h - layouts through an op's factors ----*- C++ -*-===//
//
// The propagation driver shared by sharding (ShardingPropagation: atoms
// split over mesh axes) and sequence padding (SequencePadding: atoms grown
// at their end). Both follow a layout through an op the same way, by its
// sharding rule (DS_ShardingRuleOpInterface):
//  1. what the operands say about each factor: every operand dimension with
//     a marked atom is cut at the boundaries of the dimension's factors and
//     its pieces handed to them, merged with what earlier operands said;
//  2. (the client decides what each factor must be);
//  3. operand and result layouts rebuilt from the factors' atoms.
// What "marked", "cut" and "merge" mean is the client's: a Traits type with
//   using Atom = ...;
//   int64_t sizeOf(const Atom &) const;   // elements of the original program
//   Atom whole(int64_t size) const;        // an unmarked atom
//   bool isMarked(const Atom &) const;     // split / padded
//   std::optional<Dim> cut(const Dim &, ArrayRef<int64_t> sizes) const;
//   FailureOr<Dim> merge(const Dim &current, const Dim &incoming) const;
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_FACTORPROPAGATION_H
#define DSC_ANALYSIS_FACTORPROPAGATION_H

#include "dsc/Analysis/ShardingLayout.h"
#include "dsc/Dialect/DS/IR/ShardingRule.h"

#include "mlir/IR/Block.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <vector>

namespace dsc {

/// Why an operand dimension's layout was not taken into the factors.
enum class FactorMismatch {
  /// The dimension's atoms cannot be cut at its factors' boundaries.
  Unmappable,
  /// It says something else about a factor than an earlier operand did.
  Conflict,
};

/// The atoms of every factor of one op's rule, as its operands say.
template <typename Traits> class FactorAtoms {
public:
  using Atom = typename Traits::Atom;
  using Dim = llvm::SmallVector<Atom, 2>;
  using DimFactors = llvm::ArrayRef<llvm::SmallVector<int64_t, 2>>;

  /// Every factor whole.
  FactorAtoms(const mlir::ds::ShardingRule &rule, Traits traits)
      : rule(&rule), traits(std::move(traits)) {
    for (int64_t size : rule.factorSizes)
      atoms.push_back({this->traits.whole(size)});
  }

  Dim &operator[](int64_t f) { return atoms[f]; }
  const Dim &operator[](int64_t f) const { return atoms[f]; }
  bool isMarked(int64_t f) const { return isMarked(atoms[f]); }
  bool isMarked(const Dim &dim) const {
    return llvm::any_of(dim, [&](const Atom &a) { return traits.isMarked(a); });
  }
  const Traits &getTraits() const { return traits; }

  /// The atoms each of `factors` gets of `dim` (one operand dimension), or
  /// none when the dimension cannot be cut at their boundaries.
  std::optional<llvm::SmallVector<Dim>>
  distribute(const Dim &dim, llvm::ArrayRef<int64_t> factors) const {
    if (factors.empty())
      return std::nullopt;
    llvm::SmallVector<int64_t> dimSizes, factorSizes;
    for (const Atom &a : dim)
      dimSizes.push_back(traits.sizeOf(a));
    for (int64_t f : factors)
      factorSizes.push_back(rule->factorSizes[f]);
    auto sizes = refineSizes(dimSizes, factorSizes);
    std::optional<Dim> pieces = sizes ? traits.cut(dim, *sizes) : std::nullopt;
    if (!pieces)
      return std::nullopt;
    llvm::SmallVector<Dim> out(factors.size());
    size_t next = 0;
    for (auto [k, f] : llvm::enumerate(factors)) {
      int64_t covered = 1;
      while (covered < rule->factorSizes[f] && next < pieces->size())
        covered *= traits.sizeOf(out[k].emplace_back((*pieces)[next++]));
      if (out[k].empty())
        out[k].push_back(traits.whole(rule->factorSizes[f]));
    }
    return out;
  }

  /// Step 1: takes into the factors every operand dimension with a marked
  /// atom (`layoutOf(i)`: operand i's dimensions, empty when it has no
  /// recorded layout). A dimension that is unmappable or conflicts is left
  /// out after `onMismatch(operand, dim, why)`, whose failure stops it.
  mlir::LogicalResult
  read(unsigned numOperands,
       llvm::function_ref<llvm::ArrayRef<Dim>(unsigned)> layoutOf,
       llvm::function_ref<mlir::LogicalResult(unsigned, unsigned,
                                              FactorMismatch)>
           onMismatch) {
    for (unsigned i = 0; i < numOperands && i < rule->operandDims.size(); ++i) {
      llvm::ArrayRef<Dim> layout = layoutOf(i);
      if (layout.empty())
        continue;
      for (auto [d, factors] : llvm::enumerate(rule->operandDims[i])) {
        if (!isMarked(layout[d]))
          continue;
        auto perFactor = distribute(layout[d], factors);
        if (!perFactor) {
          if (mlir::failed(onMismatch(i, d, FactorMismatch::Unmappable)))
            return mlir::failure();
          continue;
        }
        for (auto [k, f] : llvm::enumerate(factors)) {
          mlir::FailureOr<Dim> merged = traits.merge(atoms[f], (*perFactor)[k]);
          if (mlir::succeeded(merged))
            atoms[f] = std::move(*merged);
          else if (mlir::failed(onMismatch(i, d, FactorMismatch::Conflict)))
            return mlir::failure();
        }
      }
    }
    return mlir::success();
  }

  /// Step 3: the layout of a value whose dimensions have `dims` factors and
  /// sizes `shape` (a dimension without factors is whole).
  llvm::SmallVector<Dim> build(DimFactors dims,
                               llvm::ArrayRef<int64_t> shape) const {
    llvm::SmallVector<Dim> layout;
    for (auto [d, factors] : llvm::enumerate(dims)) {
      Dim dim;
      for (int64_t f : factors)
        dim.append(atoms[f].begin(), atoms[f].end());
      if (dim.empty())
        dim.push_back(traits.whole(shape[d]));
      layout.push_back(std::move(dim));
    }
    return layout;
  }

private:
  const mlir::ds::ShardingRule *rule;
  Traits traits;
  llvm::SmallVector<Dim> atoms;
};

/// The ops of `block` in order, each with its sharding rule (none: the op
/// has no DS_ShardingRuleOpInterface), taken before a client changes any
/// type: the rules of the program as written.
std::vector<std::pair<mlir::Operation *, std::optional<mlir::ds::ShardingRule>>>
rulesOf(mlir::Block &block);

} // namespace dsc

#endif // DSC_ANALYSIS_FACTORPROPAGATION_H
