//===- AttentionSinks.h - sinks and row shifts around a softmax -*- C++ -*-===//
//
// What -ds-recognize-attention takes around the softmax besides the
// scores: a subtraction of each row's maximum (exact: the softmax is blind
// to a row's shift), GPT-OSS's attention sinks, a logit per head
// concatenated to every row and its probability dropped after the softmax,
// and the zeroing of rows that see no key (PyTorch's _safe_softmax).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_TRANSFORMS_ATTENTIONSINKS_H
#define DSC_LIB_TRANSFORMS_ATTENTIONSINKS_H

#include "dsc/Dialect/DS/IR/DSOps.h"

#include <optional>

namespace dsc {

/// Whether `shift` [.., 1] is the largest element of each row of `x`
/// [.., N] (its last dimension): `ds.max` with the dimension kept, or the
/// element at the first largest position as the import takes
/// `max(dim).values` (argExtremum and takeAlong in lib/Import). Subtracting
/// it changes no softmax: a row with a NaN or +inf is NaN either way, and
/// the largest element is -inf only where the whole row is.
bool isRowMaximum(mlir::Value shift, mlir::Value x);

/// The scores `x` of a softmax input `select(blind, 0, x)` whose `blind`
/// marks the rows of `x` that are -inf throughout (`max(x) == -inf`, the
/// dimension kept), or null; sets `blind`. Followed by zeroeingRows on
/// the softmax's result, that is PyTorch's _safe_softmax (its dense
/// FlexAttention, examples/lower_flex.py): a row that sees no key is
/// zero, with no gradient, as ds.attention's; other rows are untouched.
mlir::Value matchBlindRowsZeroed(mlir::Value input, mlir::Value &blind);

/// Whether `select` is `select(blind, 0, probs)`.
bool zeroesRows(mlir::ds::SelectOp select, mlir::Value blind,
                mlir::Value probs);

/// `x` [B, H, S, Skv + 1] as GPT-OSS builds it: the scores [B, H, S, Skv]
/// and, as the last column, one logit per head broadcast over the batch
/// and the rows.
struct SinkColumn {
  mlir::Value scores;
  /// What is broadcast: H elements in a shape that broadcasts along
  /// dimension 1 of the scores.
  mlir::Value logits;
};
std::optional<SinkColumn> matchSinkColumn(mlir::Value x);

/// Whether `slice` keeps all but the last element of its input's last
/// dimension, and all of every other dimension.
bool dropsLastColumn(mlir::ds::SliceOp slice);

} // namespace dsc

#endif // DSC_LIB_TRANSFORMS_ATTENTIONSINKS_H
