//===- AttentionMasks.h - what a constant attention mask keeps --*- C++ -*-===//
//
// Judges constant masks by their values, never by how they were written:
// any code that produces the causal or the sliding-window pattern is
// recognised, and anything else is left to be an ordinary bias.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_TRANSFORMS_ATTENTIONMASKS_H
#define DSC_LIB_TRANSFORMS_ATTENTIONMASKS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/BitVector.h"

#include <optional>

namespace dsc {

/// A mask that `ds.attention` expresses with attributes: query `i` keeps
/// keys `j <= i` and, with a window W, `j > i - W`.
struct CausalPattern {
  /// 0: no window (every earlier key is kept).
  int64_t window = 0;
};

/// Masked entries: -inf, or a float so negative that its exponential is 0
/// after any softmax shift (`torch.finfo(dtype).min`).
bool isMaskedValue(const llvm::APFloat &value);

/// Which elements of a constant mask hide their entry: for a float mask
/// (added to the scores) the masked values, other entries being zero (or
/// it is no mask: none); for a boolean one, the elements equal to
/// `maskedWhen`.
std::optional<llvm::BitVector> maskedElements(mlir::DenseElementsAttr mask,
                                              bool maskedWhen = true);

/// The causal pattern of a mask of shape [..., S, S] whose elements
/// `masked` hide their entry, if every [S, S] slice has the same one.
std::optional<CausalPattern> matchCausalPattern(llvm::ArrayRef<int64_t> shape,
                                                const llvm::BitVector &masked);

} // namespace dsc

#endif // DSC_LIB_TRANSFORMS_ATTENTIONMASKS_H
