//===- ShardingLayout.h - how a tensor is split over mesh axes --*- C++ -*-===//
//
// A layout says, for every dimension of a tensor, how it is made of atoms
// (sizes, major to minor) and which mesh axis, if any, splits each atom.
// A dimension [B*S] whose S part is split over `sp` is [{B, -}, {S, sp}]:
// each rank holds, for every b, its contiguous piece of S. Atoms are what
// lets a split survive reshapes that merge or split dimensions.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_SHARDINGLAYOUT_H
#define DSC_ANALYSIS_SHARDINGLAYOUT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dsc {

/// A run of a dimension: `size` elements, split over mesh axis `axis`
/// (an index into the mesh's axes), or whole on every rank (-1).
struct Atom {
  int64_t size = 1;
  int axis = -1;
  bool operator==(const Atom &other) const {
    return size == other.size && axis == other.axis;
  }
};

using DimLayout = llvm::SmallVector<Atom, 2>;

struct Layout {
  llvm::SmallVector<DimLayout> dims;

  /// Every dimension whole on every rank.
  static Layout replicated(llvm::ArrayRef<int64_t> shape);
  bool isReplicated() const;
  /// The shape each rank holds, given the size of every mesh axis.
  llvm::SmallVector<int64_t>
  localShape(llvm::ArrayRef<int64_t> axisSizes) const;
  /// Merges neighbouring whole atoms and drops size-1 atoms (keeping one per
  /// dimension), so equal layouts compare equal.
  void normalize();
  bool operator==(const Layout &other) const { return dims == other.dims; }
  bool operator!=(const Layout &other) const { return !(*this == other); }
  std::string str(llvm::ArrayRef<std::string> axisNames) const;
};

/// The coarsest common refinement of two factorisations of one size (each
/// a list of sizes whose product is that size): the sizes of the pieces that
/// both split at. Fails when a boundary of one cuts through a piece of the
/// other that it does not divide (e.g. [6] against [4, ...] of 24).
std::optional<llvm::SmallVector<int64_t>>
refineSizes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Splits the atoms of `dim` at the boundaries of `sizes` (a refinement of
/// the dimension's atoms); each piece keeps its atom's axis. Fails when
/// `sizes` does not refine the atoms, or when a split atom would be cut in
/// a way that is not a contiguous block per rank (only the major piece of
/// a split atom may carry the axis, and then only if it is divisible).
std::optional<DimLayout> splitAtoms(const DimLayout &dim,
                                    llvm::ArrayRef<int64_t> sizes,
                                    llvm::ArrayRef<int64_t> axisSizes);

/// Whether no mesh axis splits more than one of `atoms` (the atoms of one
/// dimension, or of a whole layout's dimensions together): a rank holds one
/// block of each axis, so an axis splits one piece of one dimension.
bool axesUsedOnce(llvm::ArrayRef<Atom> atoms);

/// The sizes of a dimension's atoms, major to minor.
llvm::SmallVector<int64_t> atomSizes(const DimLayout &dim);

/// Two layouts of one dimension cut at the same boundaries (the coarsest
/// common refinement of their atoms), each piece keeping its axis; none
/// when either cannot be cut there (see splitAtoms).
std::optional<std::pair<DimLayout, DimLayout>>
alignAtoms(const DimLayout &a, const DimLayout &b,
           llvm::ArrayRef<int64_t> axisSizes);

} // namespace dsc

#endif // DSC_ANALYSIS_SHARDINGLAYOUT_H
