//===- RecognizeAttention.cpp - -ds-recognize-attention -------------------===//
//
// Matches `softmax(q · kᵀ · scale [+ mask]) · v` backwards from the softmax
// and replaces the final product with one `ds.attention`. Masks are judged
// by their constant values, never by how they were written, so any code that
// produces the causal pattern is recognised and anything else is left alone.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace dsc {
#define GEN_PASS_DEF_RECOGNIZEATTENTIONPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

/// Masked entries: -inf, or a float so negative that its exponential is 0.
bool isMaskedValue(const APFloat &v) {
  return v.isNegative() && (v.isInfinity() || v.convertToDouble() <= -1e30);
}

/// Skips element type conversions.
Value skipConverts(Value v) {
  while (auto convert = v.getDefiningOp<ConvertOp>())
    v = convert.getInput();
  return v;
}

/// The constant a value holds, if it is a `ds.constant`.
DenseElementsAttr constantOf(Value v) {
  DenseElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr;
  return {};
}

/// The value of a constant that holds one number everywhere.
std::optional<double> splatValue(Value v) {
  DenseElementsAttr attr = constantOf(skipConverts(v));
  if (!attr || !attr.isSplat() || !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// Checks that `mask` is an [..., S, S] constant whose every [S, S] slice
/// satisfies `isMasked(i, j) == (j > i)` for the given element predicate.
template <typename T, typename Pred>
bool hasCausalPattern(DenseElementsAttr mask, int64_t s, Pred isMaskedAt) {
  ArrayRef<int64_t> shape = mask.getType().getShape();
  if (shape.size() < 2 || shape[shape.size() - 2] != s || shape.back() != s)
    return false;
  int64_t index = 0;
  for (T value : mask.getValues<T>()) {
    int64_t i = (index / s) % s, j = index % s;
    if (isMaskedAt(value) != (j > i))
      return false;
    ++index;
  }
  return true;
}

/// The result of matching the scores' mask.
struct MaskMatch {
  Value scores;
  bool causal = false;
};

/// Peels an additive or selecting causal mask off the softmax input.
std::optional<MaskMatch> matchMask(Value input, int64_t s) {
  input = skipConverts(input);
  if (auto add = input.getDefiningOp<AddOp>()) {
    for (auto [maskSide, other] : {std::pair(add.getLhs(), add.getRhs()),
                                   std::pair(add.getRhs(), add.getLhs())}) {
      DenseElementsAttr mask = constantOf(skipConverts(maskSide));
      if (!mask || !isa<FloatType>(mask.getElementType()))
        continue;
      bool zerosAndMasked = llvm::all_of(
          mask.getValues<APFloat>(),
          [](const APFloat &v) { return v.isZero() || isMaskedValue(v); });
      if (zerosAndMasked &&
          hasCausalPattern<APFloat>(mask, s, isMaskedValue))
        return MaskMatch{other, true};
    }
    return std::nullopt;
  }
  if (auto select = input.getDefiningOp<SelectOp>()) {
    DenseElementsAttr cond = constantOf(select.getCondition());
    if (!cond)
      return std::nullopt;
    auto identity = [](bool b) { return b; };
    auto negation = [](bool b) { return !b; };
    std::optional<double> onTrue = splatValue(select.getOnTrue());
    std::optional<double> onFalse = splatValue(select.getOnFalse());
    auto masked = [](std::optional<double> v) {
      return v && isMaskedValue(APFloat(*v));
    };
    // masked_fill(upper, -inf): the condition marks the masked entries.
    if (masked(onTrue) && hasCausalPattern<bool>(cond, s, identity))
      return MaskMatch{select.getOnFalse(), true};
    // where(lower, scores, -inf): the condition marks the kept entries.
    if (masked(onFalse) && hasCausalPattern<bool>(cond, s, negation))
      return MaskMatch{select.getOnTrue(), true};
    return std::nullopt;
  }
  return MaskMatch{input, false};
}

/// If `v` is `reshape(broadcast(reshape(x)))` repeating each of Hkv heads
/// `rep` times, returns x as [B, Hkv, S, D] and sets `rep`.
Value matchRepeatedHeads(PatternRewriter &rewriter, Value v, int64_t &rep) {
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
  auto type = RankedTensorType::get({from[0], from[1], from[3], from[4]},
                                    outer.getType().getElementType());
  Value source = broadcast.getInput();
  if (auto inner = source.getDefiningOp<ReshapeOp>())
    source = inner.getInput();
  if (source.getType() == type)
    return source;
  return ReshapeOp::create(rewriter, outer.getLoc(), type, source);
}

struct RecognizeAttention : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = softmax.getType();
    if (type.getRank() != 4 || softmax.getDim() != 3)
      return rewriter.notifyMatchFailure(softmax, "not a [B, H, S, S] softmax");

    // Forward: probabilities (maybe converted) times v.
    Value probs = softmax.getResult();
    while (probs.hasOneUse() && isa<ConvertOp>(*probs.getUsers().begin()))
      probs = probs.getUsers().begin()->getResult(0);
    if (!probs.hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "probabilities reused");
    auto output = dyn_cast<MatmulOp>(*probs.getUsers().begin());
    if (!output || output.getLhs() != probs || output.getTransposeLhs() ||
        output.getTransposeRhs())
      return rewriter.notifyMatchFailure(softmax, "not followed by p · v");
    Value v = output.getRhs();

    // Backward: mask, scale, q · kᵀ.
    int64_t s = type.getDimSize(2);
    std::optional<MaskMatch> mask = matchMask(softmax.getInput(), s);
    if (!mask)
      return rewriter.notifyMatchFailure(softmax, "unrecognised mask");
    double scale = 1.0;
    Value scores = skipConverts(mask->scores);
    if (auto mul = scores.getDefiningOp<MulOp>()) {
      if (auto c = splatValue(mul.getRhs())) {
        scale = *c;
        scores = skipConverts(mul.getLhs());
      } else if (auto c = splatValue(mul.getLhs())) {
        scale = *c;
        scores = skipConverts(mul.getRhs());
      }
    } else if (auto div = scores.getDefiningOp<DivOp>()) {
      if (auto c = splatValue(div.getRhs())) {
        scale = 1.0 / *c;
        scores = skipConverts(div.getLhs());
      }
    }
    auto product = scores.getDefiningOp<MatmulOp>();
    if (!product || product.getTransposeLhs())
      return rewriter.notifyMatchFailure(softmax, "scores are not q · kᵀ");
    Value q = product.getLhs();
    if (auto mul = q.getDefiningOp<MulOp>()) {
      if (auto c = splatValue(mul.getRhs())) {
        scale *= *c;
        q = mul.getLhs();
      }
    }
    Value k = product.getRhs();
    if (!product.getTransposeRhs()) {
      auto transpose = k.getDefiningOp<TransposeOp>();
      if (!transpose ||
          transpose.getPermutation() != ArrayRef<int64_t>({0, 1, 3, 2}))
        return rewriter.notifyMatchFailure(softmax, "key is not transposed");
      k = transpose.getInput();
    }
    if (!(scale > 0) || !std::isfinite(scale))
      return rewriter.notifyMatchFailure(softmax, "scale is not positive");
    auto rank4 = [](Value x) {
      return cast<RankedTensorType>(x.getType()).getRank() == 4;
    };
    if (!rank4(q) || !rank4(k) || !rank4(v))
      return rewriter.notifyMatchFailure(softmax, "q, k, v are not rank 4");

    // Grouped-query attention: k and v repeated alike over heads.
    rewriter.setInsertionPoint(output);
    int64_t repK = 0, repV = 0;
    Value k0 = matchRepeatedHeads(rewriter, k, repK);
    Value v0 = matchRepeatedHeads(rewriter, v, repV);
    if (k0 && v0 && repK == repV) {
      k = k0;
      v = v0;
    }

    auto attention = AttentionOp::create(rewriter, output.getLoc(), q, k, v,
                                         mask->causal, APFloat(scale));
    if (attention.getType() != output.getType())
      return rewriter.notifyMatchFailure(softmax, "result type differs");
    rewriter.replaceOp(output, attention.getResult());
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
