//===- RecognizeAttention.cpp - -ds-recognize-attention -------------------===//
//
// Matches `softmax(scores) · v` backwards from the softmax, where the scores
// are `q · kᵀ` under any nesting of what real code puts around them:
// scales (on the product, on q or on k, before or after the mask),
// additive or selecting masks, additive biases (ALiBi, key-padding masks),
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
//   whose scores the select gives no gradient and a bias would); a bias
//   that a trainable parameter reaches gets its gradient from
//   ds.attention_grad (T5, MPNet, DeBERTa);
// - a clamp `max(x, m)` with m <= -1e30 changes nothing when no row of the
//   scores is fully masked, which is proven from a causal mask and finite
//   biases; otherwise the attention is left alone;
// - soft-capping `c · tanh(s / c)` (Gemma 2) becomes `softcap`, with
//   nothing but scales inside the tanh (masks and biases come after it).
//
// A way of peeling that fails puts the match state back as it was before
// the next is tried.
//
// Over 500 lines because the matcher is one walk whose peeling steps share
// the match state; what a mask's values mean is AttentionMasks.cpp's.
//
// Anything not understood leaves the ops as they are: they stay exact, only
// slower and with the [S, Skv] scores in memory.
//
//===----------------------------------------------------------------------===//

#include "AttentionMasks.h"
#include "AttentionSinks.h"

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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

/// Whether `masked` (row-major, rows of `rowSize`) masks some row whole.
bool hasHiddenRow(const llvm::BitVector &masked, int64_t rowSize) {
  if (rowSize <= 0)
    return false;
  for (size_t row = 0; row + rowSize <= masked.size(); row += rowSize) {
    bool hidden = true;
    for (int64_t i = 0; i < rowSize && hidden; ++i)
      hidden = masked.test(row + i);
    if (hidden)
      return true;
  }
  return false;
}

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// Skips element type conversions.
Value skipConverts(Value v) {
  while (auto convert = v.getDefiningOp<ConvertOp>())
    v = convert.getInput();
  return v;
}

/// The constant a value holds, if it is a `ds.constant`.
DenseElementsAttr constantOf(Value v) {
  DenseElementsAttr attr;
  if (matchPattern(skipConverts(v), m_Constant(&attr)))
    return attr;
  return {};
}

/// The value of a float constant that holds one number everywhere.
std::optional<double> splatValue(Value v) {
  DenseElementsAttr attr = constantOf(v);
  if (!attr || !attr.isSplat() || !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// Whether a trainable parameter of the function reaches `v`.
bool reachedByParameter(Value v) {
  SmallVector<Value> work = {v};
  DenseSet<Value> seen;
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (!seen.insert(x).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
      if (!func || func.getArgAttr(arg.getArgNumber(),
                                   mlir::ds::DSDialect::kTrainableAttr))
        return true;
      continue;
    }
    for (Value operand : x.getDefiningOp()->getOperands())
      work.push_back(operand);
  }
  return false;
}

/// A term added to the scores: `value` times `factor` (the scales applied
/// after it), in the scores' shape of the place where it was added. A mask
/// selected by a condition that is not constant is the term
/// `select(cond, 0, fill)` (`keepWhen` true) or `select(cond, fill, 0)`.
struct Bias {
  Value value;
  double factor = 1.0;
  RankedTensorType frame;
  /// Proven finite (a constant without infinities, or a select between
  /// zero and a finite fill).
  bool finite = false;
  Value cond;
  bool keepWhen = true;
  double fill = 0.0;
  /// The term's own shape.
  ArrayRef<int64_t> shape() const {
    return typeOf(cond ? cond : value).getShape();
  }
};

/// What lies between the softmax and the product `q · kᵀ`.
struct Scores {
  MatmulOp product;
  double scale = 1.0;
  std::optional<dsc::CausalPattern> causal;
  SmallVector<Bias> biases;
  bool clamped = false;
  /// Soft-capping `c · tanh(s / c)` (Gemma 2): c, the scales outside the
  /// tanh. Inside it only scales, reshapes and conversions are taken.
  std::optional<double> softcap;
  bool insideCap = false;
};

/// Whether `reshape` only merges or splits the leading dimensions of
/// scores [..., S, Skv], keeping the last two.
bool keepsLastTwo(ReshapeOp reshape) {
  ArrayRef<int64_t> from = reshape.getInput().getType().getShape();
  ArrayRef<int64_t> to = reshape.getType().getShape();
  return from.size() >= 2 && to.size() >= 2 &&
         from.take_back(2) == to.take_back(2);
}

/// Matches without changing the IR: what it finds goes into `scores`.
class ScoresMatcher {
public:
  explicit ScoresMatcher(Scores &scores) : scores(scores) {}

  /// Peels what lies around the product off `x`, outside in, with `outer`
  /// the product of the scales already peeled.
  LogicalResult peel(Value x, double outer) {
    x = skipConverts(x);
    Operation *def = x.getDefiningOp();
    if (!def)
      return failure();
    if (auto product = dyn_cast<MatmulOp>(def)) {
      scores.product = product;
      return success();
    }
    if (auto reshape = dyn_cast<ReshapeOp>(def))
      return keepsLastTwo(reshape) ? peel(reshape.getInput(), outer)
                                   : failure();
    // Under the cap: no mask, bias or clamp (they come after it).
    if (scores.insideCap && isa<AddOp, SelectOp, MaximumOp>(def))
      return failure();
    if (auto mul = dyn_cast<MulOp>(def)) {
      for (auto [c, other] : {std::pair(mul.getRhs(), mul.getLhs()),
                              std::pair(mul.getLhs(), mul.getRhs())})
        if (std::optional<double> factor = splatValue(c))
          if (typeOf(other) == typeOf(x))
            return scale(*factor, other, outer);
      return failure();
    }
    if (auto div = dyn_cast<DivOp>(def)) {
      std::optional<double> divisor = splatValue(div.getRhs());
      if (!divisor || typeOf(div.getLhs()) != typeOf(x))
        return failure();
      return scale(1.0 / *divisor, div.getLhs(), outer);
    }
    if (auto add = dyn_cast<AddOp>(def)) {
      for (auto [term, rest] : {std::pair(add.getRhs(), add.getLhs()),
                                std::pair(add.getLhs(), add.getRhs())})
        if (typeOf(rest) == typeOf(x) &&
            succeeded(attempt([&, term = term, rest = rest] {
              return success(succeeded(addTerm(term, typeOf(x), outer)) &&
                             succeeded(peel(rest, outer)));
            })))
          return success();
      return failure();
    }
    if (auto tanh = dyn_cast<TanhOp>(def)) {
      // The scales peeled so far are the cap: c · tanh(inner) is
      // c · tanh(scale · q · kᵀ / c) with scale = c times inner's scales.
      if (scores.softcap || typeOf(tanh.getInput()) != typeOf(x))
        return failure();
      return attempt([&] {
        scores.softcap = outer;
        scores.insideCap = true;
        return peel(tanh.getInput(), outer);
      });
    }
    if (auto select = dyn_cast<SelectOp>(def))
      return peelSelect(select, outer);
    if (auto clamp = dyn_cast<MaximumOp>(def)) {
      for (auto [c, other] : {std::pair(clamp.getRhs(), clamp.getLhs()),
                              std::pair(clamp.getLhs(), clamp.getRhs())}) {
        std::optional<double> floor = splatValue(c);
        if (floor && *floor <= -1e30 && std::isfinite(*floor) &&
            typeOf(other) == typeOf(x)) {
          scores.clamped = true;
          return peel(other, outer);
        }
      }
      return failure();
    }
    return failure();
  }

private:
  /// Runs `step`, a way to peel; where it fails, `scores` is put back as
  /// it was, so that the next way starts from the same state (no scale,
  /// bias, mask or cap of a way not taken).
  template <typename Step> LogicalResult attempt(Step step) {
    Scores saved = scores;
    if (succeeded(step()))
      return success();
    scores = saved;
    return failure();
  }

  LogicalResult scale(double factor, Value inner, double outer) {
    if (!(factor > 0) || !std::isfinite(factor))
      return failure();
    scores.scale *= factor;
    return peel(inner, outer * factor);
  }

  /// Masks keep working under positive scales unless these bring a masked
  /// value near enough to 0 for its exponential not to vanish.
  bool maskSurvives(double outer) { return outer >= 1e-6; }

  /// A term added to scores of type `frame`: a causal mask, or a bias.
  LogicalResult addTerm(Value term, RankedTensorType frame, double outer) {
    if (DenseElementsAttr constant = constantOf(term)) {
      if (constant.isSplat() && isa<FloatType>(constant.getElementType()) &&
          constant.getSplatValue<APFloat>().isZero())
        return success(); // baddbmm's zero input with beta = 1
      std::optional<llvm::BitVector> masked = dsc::maskedElements(constant);
      if (masked && !scores.causal && maskSurvives(outer))
        if (auto pattern = dsc::matchCausalPattern(
                constant.getType().getShape(), *masked)) {
          scores.causal = pattern;
          return success();
        }
      bool finite = isa<FloatType>(constant.getElementType()) &&
                    llvm::all_of(constant.getValues<APFloat>(),
                                 [](const APFloat &v) { return v.isFinite(); });
      scores.biases.push_back({term, outer, frame, finite});
      return success();
    }
    // A trainable parameter may reach it (T5's relative position table,
    // DeBERTa's position terms): ds.attention_grad gives it its gradient.
    if (!isa<FloatType>(typeOf(term).getElementType()))
      return failure();
    scores.biases.push_back({term, outer, frame, false});
    return success();
  }

  /// `select(keep, scores, fill)` or `select(hide, fill, scores)` with a
  /// masked splat `fill`.
  LogicalResult peelSelect(SelectOp select, double outer) {
    RankedTensorType frame = select.getType();
    for (auto [fillSide, rest, keepWhen] :
         {std::tuple(select.getOnFalse(), select.getOnTrue(), true),
          std::tuple(select.getOnTrue(), select.getOnFalse(), false)}) {
      std::optional<double> fill = splatValue(fillSide);
      if (!fill || !dsc::isMaskedValue(APFloat(*fill)) ||
          typeOf(rest) != frame || !maskSurvives(outer))
        continue;
      Value cond = select.getCondition();
      if (DenseElementsAttr constant = constantOf(cond)) {
        std::optional<llvm::BitVector> masked =
            dsc::maskedElements(constant, /*maskedWhen=*/!keepWhen);
        if (masked && !scores.causal)
          if (auto pattern = dsc::matchCausalPattern(
                  constant.getType().getShape(), *masked)) {
            if (succeeded(attempt([&, rest = rest] {
                  scores.causal = pattern;
                  return peel(rest, outer);
                })))
              return success();
            continue;
          }
      }
      if (reachedByParameter(cond))
        continue;
      // A finite fill (finfo.min, -1e9) in a row the mask hides whole: the
      // softmax is uniform there and the select passes the scores no
      // gradient, which a bias would (the forward is the same). Taken only
      // where no row is hidden whole, which only a constant mask proves.
      if (std::isfinite(*fill)) {
        DenseElementsAttr constant = constantOf(cond);
        std::optional<llvm::BitVector> masked =
            constant ? dsc::maskedElements(constant, /*maskedWhen=*/!keepWhen)
                     : std::nullopt;
        ArrayRef<int64_t> shape =
            constant ? constant.getType().getShape() : ArrayRef<int64_t>();
        if (!masked || hasHiddenRow(*masked, shape.empty() ? 1 : shape.back()))
          continue;
      }
      // A data-dependent mask: the bias `select(keep, 0, fill)`, which
      // softmax treats as the select does wherever a row keeps an entry.
      Bias bias{Value(), outer, frame, std::isfinite(*fill)};
      bias.cond = cond;
      bias.keepWhen = keepWhen;
      bias.fill = *fill;
      if (succeeded(attempt([&, rest = rest] {
            scores.biases.push_back(bias);
            return peel(rest, outer);
          })))
        return success();
    }
    return failure();
  }

  Scores &scores;
};

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

/// Skips multiplications by a positive splat, multiplying `scale` by them
/// (q or k scaled before the product).
Value skipScales(Value v, double &scale) {
  while (auto mul = v.getDefiningOp<MulOp>()) {
    std::optional<double> factor = splatValue(mul.getRhs());
    Value other = mul.getLhs();
    if (!factor) {
      factor = splatValue(mul.getLhs());
      other = mul.getRhs();
    }
    if (!factor || !(*factor > 0) || typeOf(other) != typeOf(v))
      break;
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
RankedTensorType biasType(const Bias &bias, int64_t b, int64_t h,
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
Value buildBias(PatternRewriter &rewriter, Location loc, const Bias &bias,
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
    if (auto shift = input.getDefiningOp<SubOp>();
        shift && dsc::isRowMaximum(shift.getRhs(), shift.getLhs()))
      input = shift.getLhs();
    std::optional<dsc::SinkColumn> sinks = dsc::matchSinkColumn(input);
    Value probs = softmax.getResult();
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
      if (!isa<ConvertOp>(user) && !(reshape && keepsLastTwo(reshape)))
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
    if (failed(ScoresMatcher(scores).peel(input, 1.0)))
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
        (!scores.causal ||
         llvm::any_of(scores.biases, [](const Bias &b) { return !b.finite; })))
      return rewriter.notifyMatchFailure(
          softmax, "a clamp that may change a fully masked row");

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
    for (const Bias &bias : scores.biases) {
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
        window, std::nullopt, scale, scores.softcap);
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
                       : FloatAttr());
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
