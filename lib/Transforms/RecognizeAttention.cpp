//===- RecognizeAttention.cpp - -ds-recognize-attention -------------------===//
//
// Matches `softmax(scores) · v` backwards from the softmax, where the scores
// are `q · kᵀ` under any nesting of what real code puts around them:
// scales (on the product, on q or on k, before or after the mask),
// additive or selecting masks, additive biases (ALiBi, key-padding masks;
// a subtracted one is added negated),
// a clamp at `finfo.min`, element type conversions, and reshapes between
// [B, H, S, Skv] and the [B·H, S, Skv] of 3-D `bmm`/`baddbmm` code. The
// final product becomes one `ds.attention`:
//
// - constant masks with the causal or sliding-window pattern (judged by
//   their values: AttentionMasks.h) become `causal` and `window`;
// - everything else that is added becomes the bias operand, scaled by the
//   scales applied after it, and a selecting mask that is not constant
//   becomes the bias `select(keep, 0, fill)` when the fill is -inf (a row
//   hidden whole is zero with no gradient either way), or when a constant
//   mask hides no row whole (a finite fill there gives a uniform softmax
//   whose scores the select gives no gradient and a bias would); else a
//   finite fill becomes the attention's `fill`, its mask the bias's -inf,
//   when the select is the last thing done to the scores; a bias
//   that a trainable parameter reaches gets its gradient from
//   ds.attention_grad (T5, MPNet, DeBERTa);
// - a clamp `max(x, m)` with m <= -1e30 changes nothing when no row of the
//   scores is fully masked, which is proven from a causal mask and finite
//   biases; otherwise the attention is left alone;
// - soft-capping `c · tanh(s / c)` (Gemma 2) becomes `softcap`, with
//   nothing but scales inside the tanh (masks and biases come after it);
// - PyTorch's _safe_softmax around the softmax (rows that see no key
//   zeroed before and after it: FlexAttention's dense form) is
//   ds.attention's own behaviour there.
//
// The matching of the scores is AttentionScores.cpp's; what a mask's
// values mean, AttentionMasks.cpp's.
//
// Anything not understood leaves the ops as they are: they stay exact, only
// slower and with the [S, Skv] scores in memory.
//
//===----------------------------------------------------------------------===//

#include "AttentionScores.h"
#include "AttentionSinks.h"

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace dsc {
#define GEN_PASS_DEF_RECOGNIZEATTENTIONPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;
using dsc::ScoreBias;
using dsc::Scores;
using dsc::typeOf;

namespace {

/// Whether `value` stays finite in float type `type`. (Rounded, it is
/// what the scores' own arithmetic rounds the fill times the scales after
/// it to, give or take an ulp that no softmax sees: every filled score of
/// a row gets the same value.)
bool staysFinite(double value, Type type) {
  auto floatType = dyn_cast<FloatType>(type);
  if (!floatType)
    return false;
  APFloat converted(value);
  bool lost = false;
  converted.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                    &lost);
  return converted.isFinite();
}

/// If `v` is `reshape(broadcast(reshape(x)))` repeating each of Hkv heads
/// `rep` times, returns x and sets `rep` and `type`, the [B, Hkv, S, D] type
/// that x is to be reshaped to (it may already have it).
Value matchRepeatedHeads(Value v, int64_t &rep, RankedTensorType &type) {
  auto outer = v.getDefiningOp<ReshapeOp>();
  auto broadcast =
      outer ? outer.getInput().getDefiningOp<BroadcastOp>() : nullptr;
  if (!broadcast)
    return {};
  ArrayRef<int64_t> from = broadcast.getInput().getType().getShape();
  ArrayRef<int64_t> to = broadcast.getType().getShape();
  ArrayRef<int64_t> result = outer.getType().getShape();
  if (from.size() != 5 || to.size() != 5 || result.size() != 4 ||
      from[2] != 1 || from[0] != to[0] || from[1] != to[1] ||
      from[3] != to[3] || from[4] != to[4] || result[0] != to[0] ||
      result[1] != to[1] * to[2] || result[2] != to[3] || result[3] != to[4])
    return {};
  rep = to[2];
  type = RankedTensorType::get({from[0], from[1], from[3], from[4]},
                               outer.getType().getElementType());
  Value source = broadcast.getInput();
  if (auto inner = source.getDefiningOp<ReshapeOp>())
    source = inner.getInput();
  return source;
}

/// The positive factor `v` is, a multiplication or division of another
/// value by a splat: sets `other` to that value.
std::optional<double> splatScale(Value v, Value &other) {
  std::optional<double> factor;
  if (auto mul = v.getDefiningOp<MulOp>()) {
    factor = dsc::splatValue(mul.getRhs());
    other = mul.getLhs();
    if (!factor) {
      factor = dsc::splatValue(mul.getLhs());
      other = mul.getRhs();
    }
  } else if (auto div = v.getDefiningOp<DivOp>()) {
    if (std::optional<double> divisor = dsc::splatValue(div.getRhs()))
      factor = 1.0 / *divisor;
    other = div.getLhs();
  }
  if (!factor || !(*factor > 0) || !std::isfinite(*factor) ||
      typeOf(other) != typeOf(v))
    return std::nullopt;
  return factor;
}

/// Skips multiplications and divisions by a positive splat, multiplying
/// `scale` by their factors (q or k scaled before the product; DeBERTa
/// divides kᵀ).
Value skipScales(Value v, double &scale) {
  Value other;
  while (std::optional<double> factor = splatScale(v, other)) {
    scale *= *factor;
    v = other;
  }
  return v;
}

/// `v` as the [B, H, S, D] attention operand: itself if rank 4, or the
/// rank-4 value a rank-3 [B·H, S, D] `v` was reshaped from, whose B·H
/// must be `batchHeads` (3-D `bmm` code). Null if neither.
Value asRank4(Value v) {
  if (typeOf(v).getRank() == 4)
    return v;
  auto reshape = v.getDefiningOp<ReshapeOp>();
  if (!reshape || typeOf(v).getRank() != 3)
    return {};
  RankedTensorType from = reshape.getInput().getType();
  ArrayRef<int64_t> to = typeOf(v).getShape();
  if (from.getRank() != 4 || from.getDimSize(0) * from.getDimSize(1) != to[0] ||
      from.getShape().take_back(2) != to.take_back(2))
    return {};
  return reshape.getInput();
}

/// The rank-4 type of `bias`, added to scores of type `frame` ([B, H, S,
/// Skv] or [B·H, S, Skv]), as an operand for scores [B, H, S, Skv] of
/// element type `element`; null if it does not split over [B, H].
RankedTensorType biasType(const ScoreBias &bias, int64_t b, int64_t h,
                          Type element) {
  ArrayRef<int64_t> own = bias.shape();
  int64_t frameRank = bias.frame.getRank();
  if (static_cast<int64_t>(own.size()) > frameRank)
    return {};
  SmallVector<int64_t> shape(frameRank - own.size(), 1);
  llvm::append_range(shape, own);
  if (frameRank == 3) {
    if (shape[0] != 1 && shape[0] != b * h)
      return {};
    int64_t lead = shape[0];
    shape.erase(shape.begin());
    shape.insert(shape.begin(), {lead == 1 ? 1 : b, lead == 1 ? 1 : h});
  }
  return RankedTensorType::get(shape, element);
}

/// Builds the operand of type `type` (biasType()) for `bias`.
Value buildBias(PatternRewriter &rewriter, Location loc, const ScoreBias &bias,
                RankedTensorType type) {
  Type element = type.getElementType();
  Value v = bias.value;
  if (bias.cond) {
    Value zero = vjp::createScalar(rewriter, loc, element, 0.0);
    Value fill = vjp::createScalar(rewriter, loc, element, bias.fill);
    v = SelectOp::create(
        rewriter, loc, RankedTensorType::get(bias.shape(), element), bias.cond,
        bias.keepWhen ? zero : fill, bias.keepWhen ? fill : zero);
  }
  if (typeOf(v).getElementType() != element)
    v = ConvertOp::create(rewriter, loc, typeOf(v).clone(element), v);
  if (typeOf(v) != type)
    v = ReshapeOp::create(rewriter, loc, type, v);
  if (bias.factor != 1.0)
    v = MulOp::create(rewriter, loc, v,
                      vjp::createScalar(rewriter, loc, element, bias.factor));
  return v;
}

struct RecognizeAttention : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = softmax.getType();
    if ((type.getRank() != 4 && type.getRank() != 3) ||
        static_cast<int64_t>(softmax.getDim()) != type.getRank() - 1)
      return rewriter.notifyMatchFailure(softmax, "not a softmax over keys");

    // The softmax's input: maybe each row's maximum subtracted (a no-op
    // for it), maybe GPT-OSS's sinks as a last column, whose probability
    // is then sliced off.
    Value input = softmax.getInput();
    Value blind;
    if (Value scores = dsc::matchBlindRowsZeroed(input, blind))
      input = scores;
    if (auto shift = input.getDefiningOp<SubOp>();
        shift && dsc::isRowMaximum(shift.getRhs(), shift.getLhs()))
      input = shift.getLhs();
    std::optional<dsc::SinkColumn> sinks = dsc::matchSinkColumn(input);
    Value probs = softmax.getResult();
    if (blind) {
      auto zeroed = probs.hasOneUse()
                        ? dyn_cast<SelectOp>(*probs.getUsers().begin())
                        : SelectOp();
      if (sinks || !zeroed || !dsc::zeroesRows(zeroed, blind, probs))
        return rewriter.notifyMatchFailure(
            softmax, "rows that see no key zeroed before the softmax only");
      probs = zeroed.getResult();
    }
    if (sinks) {
      auto slice = probs.hasOneUse()
                       ? dyn_cast<SliceOp>(*probs.getUsers().begin())
                       : SliceOp();
      if (!slice || !dsc::dropsLastColumn(slice))
        return rewriter.notifyMatchFailure(
            softmax, "a sink column whose probability is not dropped");
      probs = slice.getResult();
      input = sinks->scores;
    }

    // Forward: probabilities (maybe converted or reshaped) times v.
    while (probs.hasOneUse()) {
      Operation *user = *probs.getUsers().begin();
      auto reshape = dyn_cast<ReshapeOp>(user);
      if (!isa<ConvertOp>(user) && !(reshape && dsc::keepsLastTwo(reshape)))
        break;
      probs = user->getResult(0);
    }
    if (!probs.hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "probabilities reused");
    auto output = dyn_cast<MatmulOp>(*probs.getUsers().begin());
    if (!output || output.getLhs() != probs || output.getTransposeLhs() ||
        output.getTransposeRhs())
      return rewriter.notifyMatchFailure(softmax, "not followed by p · v");

    Scores scores;
    if (failed(dsc::matchScores(input, scores)))
      return rewriter.notifyMatchFailure(
          softmax, "scores are not q · kᵀ under masks, scales and biases");
    MatmulOp product = scores.product;
    if (product.getTransposeLhs())
      return rewriter.notifyMatchFailure(softmax, "q is transposed");
    double scale = scores.scale;
    Value q = product.getLhs();
    Value k = product.getRhs();
    // Without the flag the product's right side is kᵀ: the key is whatever
    // [B, H, D, Skv] view it is of, with its last two dimensions swapped
    // back (a transpose of a transpose folds away).
    bool keyTransposed = false;
    if (!product.getTransposeRhs()) {
      k = skipScales(k, scale);
      int64_t rank = typeOf(k).getRank();
      auto swapLast = llvm::to_vector(llvm::seq<int64_t>(0, rank));
      std::swap(swapLast[rank - 1], swapLast[rank - 2]);
      auto transpose = k.getDefiningOp<TransposeOp>();
      if (transpose && transpose.getPermutation() == ArrayRef(swapLast))
        k = transpose.getInput();
      else
        keyTransposed = true;
    }
    Value v = output.getRhs();
    q = asRank4(skipScales(q, scale));
    k = asRank4(skipScales(k, scale));
    v = asRank4(v);
    if (!q || !k || !v)
      return rewriter.notifyMatchFailure(softmax,
                                         "q, k, v are not [B, H, S, D]");
    q = skipScales(q, scale);
    k = skipScales(k, scale);
    if (!(scale > 0) || !std::isfinite(scale))
      return rewriter.notifyMatchFailure(softmax, "scale is not positive");
    if (scores.clamped &&
        (!scores.causal || llvm::any_of(scores.biases, [](const ScoreBias &b) {
          return !b.finite;
        })))
      return rewriter.notifyMatchFailure(
          softmax, "a clamp that may change a fully masked row");
    if (!dsc::fillIsExact(scores))
      return rewriter.notifyMatchFailure(
          softmax, "a fill beside a causal mask or a bias that may be -inf");
    if (scores.fill && !staysFinite(*scores.fill, typeOf(q).getElementType()))
      return rewriter.notifyMatchFailure(
          softmax, "a fill the scores' element type cannot hold");

    RankedTensorType kType = typeOf(k);
    if (keyTransposed)
      kType = RankedTensorType::get({kType.getDimSize(0), kType.getDimSize(1),
                                     kType.getDimSize(3), kType.getDimSize(2)},
                                    kType.getElementType());

    // Grouped-query attention: k and v repeated alike over heads.
    int64_t repK = 0, repV = 0;
    RankedTensorType vType = typeOf(v);
    RankedTensorType k0Type, v0Type;
    Value k0 = keyTransposed ? Value() : matchRepeatedHeads(k, repK, k0Type);
    Value v0 = matchRepeatedHeads(v, repV, v0Type);
    bool grouped = k0 && v0 && repK == repV;
    if (grouped) {
      kType = k0Type;
      vType = v0Type;
    }

    // Everything must verify before the IR changes.
    RankedTensorType qType = typeOf(q);
    int64_t b = qType.getDimSize(0), h = qType.getDimSize(1);
    SmallVector<RankedTensorType> biasTypes;
    SmallVector<int64_t> biasShape;
    for (const ScoreBias &bias : scores.biases) {
      RankedTensorType type = biasType(bias, b, h, qType.getElementType());
      if (!type)
        return rewriter.notifyMatchFailure(
            softmax, "a bias that does not split over [B, H]");
      biasTypes.push_back(type);
      if (biasShape.empty())
        biasShape.assign(type.getShape().begin(), type.getShape().end());
      for (auto [total, size] : llvm::zip(biasShape, type.getShape()))
        total = total == 1 ? size : total;
    }
    RankedTensorType totalBias =
        biasShape.empty()
            ? RankedTensorType()
            : RankedTensorType::get(biasShape, qType.getElementType());
    std::optional<int64_t> window;
    if (scores.causal && scores.causal->window)
      window = scores.causal->window;
    RankedTensorType sinksType;
    if (sinks) {
      // The sinks' heads are the softmax's: they must be the query's.
      if (type.getDimSize(0) != b || type.getDimSize(1) != h)
        return rewriter.notifyMatchFailure(
            softmax, "sinks in a frame other than [B, H, S, Skv]");
      sinksType = RankedTensorType::get({h}, qType.getElementType());
    }
    std::string wrong = checkAttention(
        qType, kType, vType, totalBias, sinksType, scores.causal.has_value(),
        window, std::nullopt, scale, scores.softcap, scores.fill);
    if (!wrong.empty())
      return rewriter.notifyMatchFailure(softmax, wrong);
    RankedTensorType result =
        RankedTensorType::get({b, h, qType.getDimSize(2), vType.getDimSize(3)},
                              qType.getElementType());
    if (result.getNumElements() != output.getType().getNumElements())
      return rewriter.notifyMatchFailure(softmax, "result type differs");

    rewriter.setInsertionPoint(output);
    Location loc = output.getLoc();
    if (keyTransposed)
      k = TransposeOp::create(rewriter, loc, k,
                              rewriter.getDenseI64ArrayAttr({0, 1, 3, 2}));
    if (grouped) {
      auto reshaped = [&](Value x, RankedTensorType type) -> Value {
        if (x.getType() == type)
          return x;
        return ReshapeOp::create(rewriter, loc, type, x);
      };
      k = reshaped(k0, kType);
      v = reshaped(v0, vType);
    }
    Value bias;
    for (auto [term, type] : llvm::zip(scores.biases, biasTypes)) {
      Value operand = buildBias(rewriter, loc, term, type);
      bias = bias ? AddOp::create(rewriter, loc, bias, operand).getResult()
                  : operand;
    }
    Value sinkLogits;
    if (sinks) {
      sinkLogits = sinks->logits;
      if (sinkLogits.getType() != sinksType)
        sinkLogits = ReshapeOp::create(rewriter, loc, sinksType, sinkLogits);
    }
    Value attention = AttentionOp::create(
        rewriter, loc, q, k, v, bias, sinkLogits,
        scores.causal ? rewriter.getUnitAttr() : UnitAttr(),
        window ? rewriter.getI64IntegerAttr(*window) : IntegerAttr(),
        /*key_length=*/IntegerAttr(), rewriter.getF64FloatAttr(scale),
        scores.softcap ? rewriter.getF64FloatAttr(*scores.softcap)
                       : FloatAttr(),
        scores.fill ? rewriter.getF64FloatAttr(*scores.fill) : FloatAttr(),
        /*bias_grad=*/UnitAttr());
    if (attention.getType() != output.getType())
      attention = ReshapeOp::create(rewriter, loc, output.getType(), attention);
    rewriter.replaceOp(output, attention);
    return success();
  }
};

struct RecognizeAttentionPass
    : dsc::impl::RecognizeAttentionPassBase<RecognizeAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RecognizeAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
