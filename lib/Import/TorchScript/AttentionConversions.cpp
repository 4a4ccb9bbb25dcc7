//===- AttentionConversions.cpp - scaled_dot_product_attention -----------===//
//
// aten::scaled_dot_product_attention: ds.attention without a mask or
// dropout; with one, the math backend PyTorch defines, which
// -ds-recognize-attention makes a ds.attention of where the mask allows.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace dsc::ts;

namespace {

/// Repeats each of the `heads` of `x` [B, Hkv, S, D] `groups` times in
/// place ([B, Hkv * groups, S, D]), as SDPA's `enable_gqa` does.
Value repeatHeads(ImporterState &s, Value x, int64_t groups) {
  ArrayRef<int64_t> shape = typeOf(x).getShape();
  SmallVector<int64_t> grouped{shape[0], shape[1], 1, shape[2], shape[3]};
  SmallVector<int64_t> expanded{shape[0], shape[1], groups, shape[2], shape[3]};
  Type element = typeOf(x).getElementType();
  Value reshaped = ds::ReshapeOp::create(
      s.builder, s.loc, RankedTensorType::get(grouped, element), x);
  Value broadcast = ds::BroadcastOp::create(
      s.builder, s.loc, RankedTensorType::get(expanded, element), reshaped);
  return ds::ReshapeOp::create(
      s.builder, s.loc,
      RankedTensorType::get({shape[0], shape[1] * groups, shape[2], shape[3]},
                            element),
      broadcast);
}

/// `(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)`.
/// Without a mask, `ds.attention`. With one (Hugging Face passes its causal
/// or sliding-window mask as a tensor), the math SDPA defines:
/// softmax(q kᵀ * scale + bias) v, the bias -inf where a boolean mask is
/// false; -ds-recognize-attention turns it into `ds.attention` when the
/// mask is causal, a window or a bias, judging the mask by its values.
/// With dropout_p > 0 the math too, its probabilities dropped as
/// `F.dropout` drops them (docs/dropout.md): no fused attention then.
void scaledDotProductAttention(ImporterState &s) {
  double dropoutP = s.doubleInput(4);
  checkDropoutProbability(s, dropoutP);
  Value q = s.tensorInput(0), k = s.tensorInput(1), v = s.tensorInput(2);
  double scale =
      1.0 / std::sqrt(static_cast<double>(typeOf(q).getShape().back()));
  if (s.node->inputs().size() > 6 && !isNone(s, 6))
    scale = s.doubleInput(6);
  bool causal = s.boolInput(5);
  if (isNone(s, 3) && dropoutP == 0) {
    s.bindOutput(0, ds::AttentionOp::create(s.builder, s.loc, q, k, v, causal,
                                            llvm::APFloat(scale)));
    return;
  }
  if (causal && !isNone(s, 3))
    s.fail("scaled_dot_product_attention with both attn_mask and is_causal");
  if (typeOf(q).getRank() != 4 || typeOf(k).getRank() != 4)
    s.fail("scaled_dot_product_attention with a mask or dropout needs "
           "[B, H, S, D] query, key and value");
  // The math backend that drops computes half and bfloat16 in float.
  Type inputElement = typeOf(q).getElementType();
  bool widen = dropoutP > 0 && !inputElement.isF32() && !inputElement.isF64();
  if (widen) {
    q = s.convertTo(q, s.builder.getF32Type());
    k = s.convertTo(k, s.builder.getF32Type());
    v = s.convertTo(v, s.builder.getF32Type());
  }
  int64_t queryHeads = typeOf(q).getDimSize(1),
          keyHeads = typeOf(k).getDimSize(1);
  if (queryHeads != keyHeads) {
    // One key/value head broadcasts over the query's, as in PyTorch's
    // matmul; more need enable_gqa.
    bool gqa = keyHeads == 1 || (s.node->inputs().size() > 7 && s.boolInput(7));
    if (!gqa || keyHeads == 0 || queryHeads % keyHeads != 0)
      s.fail("scaled_dot_product_attention: query heads " +
             std::to_string(queryHeads) + " differ from key heads " +
             std::to_string(keyHeads) + " without enable_gqa");
    k = repeatHeads(s, k, queryHeads / keyHeads);
    v = repeatHeads(s, v, queryHeads / keyHeads);
  }
  c10::ScalarType type = widen ? c10::ScalarType::Float : s.outputScalarType();
  Value scores = ds::MatmulOp::create(s.builder, s.loc, q, k, nullptr,
                                      s.builder.getUnitAttr());
  // A half or bfloat16 product times the scale in float32, rounded once,
  // as ATen multiplies such a tensor by a number: the scale stays exact to
  // float32 where -ds-recognize-attention makes a fused attention of this,
  // as the fused kernels take it.
  Type scoresElement = typeOf(scores).getElementType();
  if (isa<Float16Type, BFloat16Type>(scoresElement))
    scores = s.convertTo(
        ds::MulOp::create(s.builder, s.loc,
                          s.convertTo(scores, s.builder.getF32Type()),
                          scalar(s, scale, s.builder.getF32Type())),
        scoresElement);
  else
    scores = ds::MulOp::create(s.builder, s.loc, scores,
                               s.materialize(at::scalar_tensor(scale, type)));
  // is_causal: SDPA's ones(L, S).tril() mask.
  Value mask = causal         ? s.materialize(at::ones({typeOf(q).getDimSize(2),
                                                        typeOf(k).getDimSize(2)},
                                                       at::kBool)
                                                  .tril())
               : isNone(s, 3) ? Value()
                              : s.tensorInput(3);
  if (mask && typeOf(mask).getElementType().isInteger(1))
    scores =
        ds::SelectOp::create(s.builder, s.loc, mask, scores,
                             s.materialize(at::scalar_tensor(-INFINITY, type)));
  else if (mask)
    scores =
        ds::AddOp::create(s.builder, s.loc, scores,
                          s.convertTo(mask, typeOf(scores).getElementType()));
  // The math backend's _safe_softmax where its probabilities are dropped
  // (the fused form's kernels do the same): a query whose scores are all
  // -inf (a row that sees no key) gets zeros, not NaN, and no gradient.
  Value seesNothing;
  if (dropoutP > 0 && mask) {
    Type element = typeOf(scores).getElementType();
    Value rowMax = ds::MaxOp::create(s.builder, s.loc, scores,
                                     s.builder.getDenseI64ArrayAttr({3}),
                                     /*keepdim=*/true);
    seesNothing = ds::CompareOp::create(
        s.builder, s.loc, ds::CompareDirection::EQ, rowMax,
        scalar(s, -std::numeric_limits<double>::infinity(), element));
    scores = ds::SelectOp::create(s.builder, s.loc, seesNothing,
                                  scalar(s, 0, element), scores);
  }
  Value probs =
      ds::SoftmaxOp::create(s.builder, s.loc, scores, static_cast<uint64_t>(3));
  if (seesNothing)
    probs = ds::SelectOp::create(s.builder, s.loc, seesNothing,
                                 scalar(s, 0, typeOf(probs).getElementType()),
                                 probs);
  // The math backend's at::dropout of the probabilities, the backend that
  // trains with dropout_p > 0 on a CPU.
  if (dropoutP > 0)
    probs = dropElements(s, probs, dropoutP);
  s.bindOutput(0, s.convertTo(ds::MatmulOp::create(s.builder, s.loc, probs, v,
                                                   nullptr, nullptr),
                              inputElement));
}

} // namespace

void dsc::ts::addAttentionConversions(llvm::StringMap<Conversion> &table) {
  table["aten::scaled_dot_product_attention"] = scaledDotProductAttention;
}
