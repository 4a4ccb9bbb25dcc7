//===- ConversionUtils.h - shared by the aten op conversions ----*- C++ -*-===//
//
// Internal to lib/Import/TorchScript: what the aten op conversions share
// (OpConversions.cpp: arithmetic and neural ops; LossConversions.cpp:
// losses; MathConversions.cpp: abs, logsumexp, cumsum, ...;
// NormConversions.cpp: layer, RMS, group and weight normalisation;
// ActivationConversions.cpp: piecewise activations;
// ShapeConversions.cpp: shapes, lists, tuples; IndexConversions.cpp: indexing
// by constants; ScatterConversions.cpp: topk, scatter, bincount;
// InPlaceConversions.cpp: in-place ops).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_IMPORT_TORCHSCRIPT_CONVERSIONUTILS_H
#define DSC_LIB_IMPORT_TORCHSCRIPT_CONVERSIONUTILS_H

#include "ImporterState.h"

#include "llvm/ADT/StringMap.h"

namespace dsc::ts {

/// Converts the node `ImporterState::node`: binds its outputs or fails.
using Conversion = void (*)(ImporterState &);

inline mlir::RankedTensorType typeOf(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

/// Whether input `i` of the current node is the constant None.
inline bool isNone(ImporterState &s, size_t i) {
  const Imported &imported = s.lookup(s.node->inputs()[i]);
  return imported.isConstant() && imported.constant().isNone();
}

inline mlir::Value reshape(ImporterState &s, mlir::Value v,
                           mlir::RankedTensorType type) {
  if (v.getType() == type)
    return v;
  return mlir::ds::ReshapeOp::create(s.builder, s.loc, type, v);
}

inline mlir::Value reshape(ImporterState &s, mlir::Value v,
                           llvm::ArrayRef<int64_t> shape) {
  return reshape(s, v, typeOf(v).clone(shape));
}

/// A 0-d constant of `elementType` holding `value`.
inline mlir::Value scalar(ImporterState &s, double value,
                          mlir::Type elementType) {
  auto type = mlir::RankedTensorType::get({}, elementType);
  mlir::Attribute attr =
      mlir::isa<mlir::FloatType>(elementType)
          ? mlir::Attribute(mlir::FloatAttr::get(elementType, value))
          : mlir::Attribute(mlir::IntegerAttr::get(
                elementType, static_cast<int64_t>(value)));
  return mlir::ds::ConstantOp::create(s.builder, s.loc, type,
                                      mlir::DenseElementsAttr::get(type, attr));
}

/// Binds `result`, computed in another element type (booleans as int8,
/// half types in float), as output 0 in the output's own type.
inline void bindInOutputType(ImporterState &s, mlir::Value result) {
  s.bindOutput(0, s.convertTo(result, s.elementType(s.outputScalarType())));
}

/// A 0-d boolean constant.
inline mlir::Value boolScalar(ImporterState &s, bool value) {
  return s.materialize(at::scalar_tensor(value, at::TensorOptions(at::kBool)));
}

/// The logical not of a boolean tensor, as a choice between constants.
inline mlir::Value notMask(ImporterState &s, mlir::Value mask) {
  return mlir::ds::SelectOp::create(s.builder, s.loc, mask,
                                    boolScalar(s, false), boolScalar(s, true));
}

/// A Python slice bound clamped into [0, size] as `aten::slice` clamps it,
/// a negative one counted from the end.
int64_t clampSliceBound(int64_t bound, int64_t size);

/// The dimension (input `dimInput`) and index (the next input, negative
/// counting from the end) that `select` and `select_scatter` pick in
/// `self`.
std::pair<int64_t, int64_t> selectedRow(ImporterState &s, mlir::Value self,
                                        size_t dimInput);

/// `self[start:end:step]` along `dim`, the bounds clamped (and negative ones
/// counted from the end) as in Python.
mlir::Value sliceDim(ImporterState &s, mlir::Value self, int64_t dim,
                     int64_t start, int64_t end, int64_t step);

/// `base` with the elements at `start[d] + i * step[d]` replaced by
/// `value`'s: `value` zero-padded into place and chosen by a constant mask
/// (exact, and each part's gradient goes where it came from).
mlir::Value replaceStrided(ImporterState &s, mlir::Value base,
                           mlir::Value value, llvm::ArrayRef<int64_t> start,
                           llvm::ArrayRef<int64_t> step);

/// `min(x, 0)` and `|x|` as choices (at 0: no gradient, and the gradient
/// of x), and log_sigmoid as PyTorch computes it from them
/// (MathConversions.cpp).
mlir::Value negativePart(ImporterState &s, mlir::Value x);
mlir::Value magnitude(ImporterState &s, mlir::Value x);
mlir::Value logSigmoid(ImporterState &s, mlir::Value x);
/// `xlogy(x, y)`: x * log(y), 0 where x is 0 (y then read as 1, so that no
/// log(0) reaches the gradient).
mlir::Value xlogy(ImporterState &s, mlir::Value x, mlir::Value y);
/// `abs(x)`: x where positive, -x where negative, x * 0 elsewhere: 0 at 0
/// (PyTorch's gradient is sign(x), 0 at 0) and NaN at NaN.
mlir::Value absolute(ImporterState &s, mlir::Value x);

/// `div` with a rounding mode, of integers (MathConversions.cpp).
void divRounded(ImporterState &s);

/// The 2-norm of `x` over `dims` as PyTorch differentiates it: x * g /
/// norm, and 0 where the norm is 0 (a square root of 0 would give NaN):
/// sqrt of the sum of squares with 1 in place of a zero sum, then 0 chosen
/// there (MathConversions.cpp).
mlir::Value twoNorm(ImporterState &s, mlir::Value x,
                    mlir::DenseI64ArrayAttr dims, bool keepdim);

/// An order-reversing map of `x` that is its own inverse and exact: -x for
/// floats, -1 - x for integers (whose negation overflows at the smallest);
/// min(x) = reverseOrder(max(reverseOrder(x))) (MathConversions.cpp).
mlir::Value reverseOrder(ImporterState &s, mlir::Value x);
/// The position (int64) of the first maximum, or minimum, of `x` along
/// `dim`, NaN counting as the extreme, the dimension kept with size 1
/// (MathConversions.cpp).
mlir::Value argExtremum(ImporterState &s, mlir::Value x, int64_t dim,
                        bool isMax);
/// The position (int64, `dim` kept with size 1) of the first largest of
/// `values` along `dim` among the positions `candidates` marks (every one
/// when null; at least one must be): NaN counts as larger than any number
/// when `nanLargest`, else as smaller, chosen once no number is left
/// (MathConversions.cpp).
mlir::Value firstLargest(ImporterState &s, mlir::Value values, int64_t dim,
                         mlir::Value candidates, bool nanLargest);
/// Binds `max`/`min(self, dim, keepdim)`: the values and their positions.
void bindExtremumAlong(ImporterState &s, bool isMax);

/// Whether each of `indices`' positions along `dim` holds each of the
/// positions 0 .. classes - 1: a boolean tensor of `indices`' shape with an
/// axis of `classes` inserted after `dim` (IndexConversions.cpp).
mlir::Value matchPositions(ImporterState &s, mlir::Value indices, int64_t dim,
                           int64_t classes);
/// `self`'s elements at `indices` along `dim` (torch.gather; `indices` of
/// `self`'s shape but along `dim`), as a choice and a sum: exactly the
/// element, and its gradient goes to that element alone
/// (IndexConversions.cpp).
mlir::Value takeAlong(ImporterState &s, mlir::Value self, int64_t dim,
                      mlir::Value indices);

/// `self` restricted to the constant `positions` along `dim`, in their
/// order: one strided slice when they step evenly forward, a concatenation
/// of the runs of consecutive positions when there are few, else (floats)
/// one `ds.embedding` of the rows at those positions, whose gradient adds
/// up a position picked twice (IndexConversions.cpp).
mlir::Value pick(ImporterState &s, mlir::Value self, int64_t dim,
                 llvm::ArrayRef<int64_t> positions);

/// Adds the conversions of interpolation (upsample_nearest*,
/// upsample_linear1d, upsample_bilinear2d, upsample_trilinear3d;
/// ResampleConversions.cpp) to `table`.
void addResampleConversions(llvm::StringMap<Conversion> &table);

/// The `i`-th input, a list of tensors (ShapeConversions.cpp).
std::vector<mlir::Value> tensorList(ImporterState &s, size_t i);

/// Adds the conversion of einsum (EinsumConversion.cpp) to `table`.
void addEinsumConversion(llvm::StringMap<Conversion> &table);

/// Piecewise activations: leaky_relu, prelu, elu, selu, celu, hardtanh,
/// relu6, hardsigmoid, hardswish (ActivationConversions.cpp).
void addActivationConversions(llvm::StringMap<Conversion> &table);

/// Normalisations: layer_norm, rms_norm, group_norm, _weight_norm
/// (NormConversions.cpp).
void addNormConversions(llvm::StringMap<Conversion> &table);

/// 1-D convolutions (ConvConversions.cpp).
void addConvConversions(llvm::StringMap<Conversion> &table);

/// The conversion registered for the aten op `kind` (`aten::add`), or null.
Conversion findConversion(llvm::StringRef kind);

/// Checks that every tensor the current node's conversion bound has the
/// type of its example result (OpConversions.cpp).
void checkOutputTypes(ImporterState &s);

/// Adds the conversions of the losses (cross_entropy, nll_loss, mse_loss,
/// binary_cross_entropy_with_logits; LossConversions.cpp) to `table`.
void addLossConversions(llvm::StringMap<Conversion> &table);

/// Adds the conversions of math built from ds ops (abs, square,
/// log_sigmoid, logsumexp, cumsum; MathConversions.cpp) to `table`.
void addMathConversions(llvm::StringMap<Conversion> &table);

/// Adds the conversions of rounding (floor, ceil, trunc, round, frac),
/// reciprocal, lerp, addcmul, addcdiv, fmax/fmin and isnan/isinf/isfinite
/// (ElementwiseConversions.cpp) to `table`.
void addElementwiseConversions(llvm::StringMap<Conversion> &table);

/// Adds dropout, native_dropout, the channel and alpha dropouts and the
/// random draws rand, rand_like, uniform and bernoulli
/// (DropoutConversions.cpp) to `table`.
void addDropoutConversions(llvm::StringMap<Conversion> &table);

/// Adds scaled_dot_product_attention (AttentionConversions.cpp) to
/// `table`.
void addAttentionConversions(llvm::StringMap<Conversion> &table);

/// Stops the import unless 0 <= p <= 1, as PyTorch's dropouts do.
void checkDropoutProbability(ImporterState &s, double p);

/// `x` (a float tensor) with the elements of a dropout of probability
/// 0 < p <= 1 dropped as ATen's CPU `F.dropout` drops them: the next
/// stream's draw (docs/dropout.md), `select(keep, x * scale, x * 0)`; the
/// mask drawn in `maskShape` (default: x's) and broadcast to x's.
mlir::Value
dropElements(ImporterState &s, mlir::Value x, double p,
             std::optional<llvm::ArrayRef<int64_t>> maskShape = std::nullopt);

/// The dimensions a reduction runs over, normalised and sorted: all of
/// them when `dims` is empty (`sum(x)`, `dim=None`; OpConversions.cpp).
std::vector<int64_t> reductionDims(ImporterState &s, std::vector<int64_t> dims,
                                   int64_t rank);

/// Adds the conversions of shape ops, lists and tuples
/// (ShapeConversions.cpp) to `table`.
void addShapeConversions(llvm::StringMap<Conversion> &table);

/// Adds the conversions of indexing by constant tensors
/// (IndexConversions.cpp) to `table`.
void addIndexConversions(llvm::StringMap<Conversion> &table);

/// Adds the conversions of topk, scatter, scatter_add, index_add and
/// bincount (ScatterConversions.cpp) to `table`.
void addScatterConversions(llvm::StringMap<Conversion> &table);

/// Adds the conversions of in-place ops (InPlaceConversions.cpp) to `table`.
void addInPlaceConversions(llvm::StringMap<Conversion> &table);

} // namespace dsc::ts

#endif // DSC_LIB_IMPORT_TORCHSCRIPT_CONVERSIONUTILS_H
