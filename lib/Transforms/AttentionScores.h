//===- AttentionScores.h - what lies around q · kᵀ --------------*- C++ -*-===//
//
// The scores of an attention as -ds-recognize-attention finds them, from
// the softmax's input down to the product `q · kᵀ`: scales, masks, biases,
// a clamp, a soft-cap and a fill (AttentionScores.cpp matches them; the
// pass builds `ds.attention` from what it found).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_TRANSFORMS_ATTENTIONSCORES_H
#define DSC_LIB_TRANSFORMS_ATTENTIONSCORES_H

#include "AttentionMasks.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace dsc {

/// The ranked tensor type of `v`.
inline mlir::RankedTensorType typeOf(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

/// The constant a value holds, if it is a `ds.constant`.
mlir::DenseElementsAttr constantOf(mlir::Value v);

/// The value of a float constant that holds one number everywhere.
std::optional<double> splatValue(mlir::Value v);

/// Whether `reshape` only merges or splits the leading dimensions of
/// scores [..., S, Skv], keeping the last two.
bool keepsLastTwo(mlir::ds::ReshapeOp reshape);

/// A term added to the scores: `value` times `factor` (the scales applied
/// after it; negated for a subtracted term), in the scores' shape of the place
/// where it was added. A mask selected by a condition that is not constant is
/// the term `select(cond, 0, fill)` (`keepWhen` true) or `select(cond, fill,
/// 0)`.
struct ScoreBias {
  mlir::Value value;
  double factor = 1.0;
  mlir::RankedTensorType frame;
  /// Proven finite (a constant without infinities, or a select between
  /// zero and a finite fill).
  bool finite = false;
  mlir::Value cond;
  bool keepWhen = true;
  double fill = 0.0;
  /// The term's own shape.
  llvm::ArrayRef<int64_t> shape() const {
    return typeOf(cond ? cond : value).getShape();
  }
};

/// What lies between the softmax and the product `q · kᵀ`.
struct Scores {
  mlir::ds::MatmulOp product;
  double scale = 1.0;
  std::optional<CausalPattern> causal;
  llvm::SmallVector<ScoreBias> biases;
  bool clamped = false;
  /// Soft-capping `c · tanh(s / c)` (Gemma 2): c, the scales outside the
  /// tanh. Inside it only scales, reshapes and conversions are taken.
  std::optional<double> softcap;
  bool insideCap = false;
  /// A finite fill of a select that may hide a row whole (DeBERTa's
  /// `masked_fill(~mask, finfo.min)`), times the scales outside it: the
  /// attention's `fill`, its mask the bias's -inf.
  std::optional<double> fill;
};

/// Peels what lies around the product `q · kᵀ` off `x`, the softmax's
/// input, into `scores` (which starts empty); fails where something is not
/// understood, leaving `scores` unspecified.
mlir::LogicalResult matchScores(mlir::Value x, Scores &scores);

/// Whether a fill may replace exactly what its mask hides: no causal or
/// window mask (the fill would have to stay on the keys those remove), and
/// no other bias that may be -inf (a constant one, or another mask).
bool fillIsExact(const Scores &scores);

} // namespace dsc

#endif // DSC_LIB_TRANSFORMS_ATTENTIONSCORES_H
