//===- LossDecomposition.h - mean losses as sum over count ------*- C++ -*-===//
//
// Internal to lib/Transforms: used by -ds-partition before it splits tokens.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_TRANSFORMS_LOSSDECOMPOSITION_H
#define DSC_LIB_TRANSFORMS_LOSSDECOMPOSITION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace dsc {

/// Rewrites each mean cross-entropy of `step` into its sum over the tokens
/// that count divided by their count, and its gradient into the sum form's
/// gradient scaled by 1 / count. Mathematically the same; once the tokens
/// are split over ranks, the sum and the count are completed by
/// all-reduces, which makes the loss the global mean over all tokens that
/// count.
void decomposeMeanLosses(mlir::func::FuncOp step);

} // namespace dsc

#endif // DSC_LIB_TRANSFORMS_LOSSDECOMPOSITION_H
