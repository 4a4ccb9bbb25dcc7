//===- ShardingPropagation.h - decide shardings op by op --------*- C++ -*-===//
//
// The propagation engine shared by -ds-propagate-sharding and the passes
// that follow splits through a step: given the layouts of an op's operands,
// it decides from the op's sharding rule (DS_ShardingRuleOpInterface) which
// layout each operand must be brought to, the layouts of the results, which
// results are partial (a split reduction) and which split moved onto
// another factor must be moved back after the op. It never knows an op.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_SHARDINGPROPAGATION_H
#define DSC_ANALYSIS_SHARDINGPROPAGATION_H

#include "dsc/Analysis/ShardingLayout.h"
#include "dsc/Dialect/DS/IR/DSAttrs.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace dsc {

/// A layout and the mesh axes over which the value is a partial result.
struct ValueSharding {
  Layout layout;
  /// (axis, reduction) pairs, sorted by reduction kind then axis.
  llvm::SmallVector<std::pair<int, mlir::ds::ReductionKind>> partial;
};

/// What propagation decided for one op with a split operand.
struct OpSharding {
  /// Per operand: the layout the op needs it in (none: not a tensor).
  llvm::SmallVector<std::optional<Layout>> operands;
  /// Per result: the layout the op computes it in, and its partial axes.
  llvm::SmallVector<ValueSharding> results;
  /// Per result: the layout to move it to once completed, if any (a split
  /// that moved onto another factor for the op moves back).
  llvm::SmallVector<std::optional<Layout>> restore;
};

/// The mesh: axis names and sizes, major to minor.
struct MeshAxes {
  llvm::SmallVector<std::string> names;
  llvm::SmallVector<int64_t> sizes;

  /// The axes a mesh declaration (`ds.mesh`) lists.
  static MeshAxes of(mlir::ArrayAttr names, llvm::ArrayRef<int64_t> sizes) {
    MeshAxes mesh;
    for (auto [name, size] :
         llvm::zip(names.getAsValueRange<mlir::StringAttr>(), sizes)) {
      mesh.names.push_back(name.str());
      mesh.sizes.push_back(size);
    }
    return mesh;
  }
};

class ShardingPropagation {
public:
  explicit ShardingPropagation(MeshAxes mesh) : mesh(std::move(mesh)) {}

  /// The layout recorded for `value`; replicated if none was.
  Layout layoutOf(mlir::Value value) const;
  void setLayout(mlir::Value value, Layout layout) {
    layouts[value] = std::move(layout);
  }
  /// Decides `op`'s shardings from its operands' recorded layouts. Returns
  /// none when every operand is whole (the op runs as before; its results
  /// are recorded replicated). Otherwise records each result's layout as
  /// later ops will see it (the restored layout where there is one).
  std::optional<OpSharding> propagate(mlir::Operation *op);

  const MeshAxes &getMesh() const { return mesh; }

private:
  MeshAxes mesh;
  llvm::DenseMap<mlir::Value, Layout> layouts;
};

/// The `#ds.sharding` of `sharding` on `mesh` (named `meshSymbol`): a
/// dimension of one atom is written as its axis, others as pieces.
mlir::ds::ShardingAttr toAttr(mlir::MLIRContext *context,
                              mlir::FlatSymbolRefAttr meshSymbol,
                              const MeshAxes &mesh,
                              const ValueSharding &sharding);

/// The layout `attr` describes for a tensor of `shape`, or failure (with a
/// message) when it names unknown axes or its pieces do not fit.
llvm::FailureOr<ValueSharding> fromAttr(mlir::ds::ShardingAttr attr,
                                        llvm::ArrayRef<int64_t> shape,
                                        const MeshAxes &mesh,
                                        std::string &error);

} // namespace dsc

#endif // DSC_ANALYSIS_SHARDINGPROPAGATION_H
