//===- PartitionInputs.h - which inputs -ds-partition splits ----*- C++ -*-===//
//
// Internal to lib/Transforms: the model inputs of a training step that
// -ds-partition splits, and along which dimensions.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_TRANSFORMS_PARTITIONINPUTS_H
#define DSC_LIB_TRANSFORMS_PARTITIONINPUTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace dsc {

/// An input to split: its batch dimension (over `dp`) and its sequence
/// dimension (over `sp`).
struct SplitInput {
  mlir::BlockArgument arg;
  int64_t batch = 0;
  int64_t seq = 1;
  /// False for an input that has no dimension `seq` and that seq-dims does
  /// not name (a sequence classifier's labels [B]): whole on every
  /// sequence-parallel rank, which is always exact.
  bool splitSeq = true;
};

/// The model inputs (`ds.role = "input"`) of `step` to split: every integer
/// input, and every input that `seqDims` or `batchDims` (`name:dim,...`)
/// names, with batch dimension 0 and sequence dimension 1 unless those say
/// otherwise (an input of rank 1 that seq-dims does not name is not split
/// over sp). Fails with a diagnostic on a malformed entry, a name that is
/// no input, or (`bothSplit`) an input whose batch and sequence dimensions
/// coincide.
/// The training step the mesh passes work on (null when the module has
/// none yet), after checking the mesh: fails, with a diagnostic on the
/// module, when `dp` or `sp` is below 1.
mlir::FailureOr<mlir::func::FuncOp> stepForMesh(mlir::ModuleOp module,
                                                int64_t dp, int64_t sp);

mlir::FailureOr<llvm::SmallVector<SplitInput>>
findSplitInputs(mlir::ModuleOp module, mlir::func::FuncOp step,
                llvm::StringRef seqDims, llvm::StringRef batchDims,
                bool bothSplit);

} // namespace dsc

#endif // DSC_LIB_TRANSFORMS_PARTITIONINPUTS_H
