//===- AttentionScores.cpp - what lies around q · kᵀ ----------------------===//
//
// The matcher of -ds-recognize-attention's scores (AttentionScores.h): one
// walk from the softmax's input to the product, outside in, whose peeling
// steps share the match state; a way of peeling that fails puts the state
// back as it was before the next is tried. What a mask's values mean is
// AttentionMasks.cpp's.
//
//===----------------------------------------------------------------------===//

#include "AttentionScores.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::ds;
using dsc::constantOf;
using dsc::keepsLastTwo;
using dsc::ScoreBias;
using dsc::Scores;
using dsc::splatValue;
using dsc::typeOf;

namespace {
/// Skips element type conversions.
Value skipConverts(Value v) {
  while (auto convert = v.getDefiningOp<ConvertOp>())
    v = convert.getInput();
  return v;
}
} // namespace

/// The constant a value holds, if it is a `ds.constant`.
DenseElementsAttr dsc::constantOf(Value v) {
  DenseElementsAttr attr;
  if (matchPattern(skipConverts(v), m_Constant(&attr)))
    return attr;
  return {};
}

/// The value of a float constant that holds one number everywhere.
std::optional<double> dsc::splatValue(Value v) {
  DenseElementsAttr attr = constantOf(v);
  if (!attr || !attr.isSplat() || !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// Whether `reshape` only merges or splits the leading dimensions of
/// scores [..., S, Skv], keeping the last two.
bool dsc::keepsLastTwo(ReshapeOp reshape) {
  ArrayRef<int64_t> from = reshape.getInput().getType().getShape();
  ArrayRef<int64_t> to = reshape.getType().getShape();
  return from.size() >= 2 && to.size() >= 2 &&
         from.take_back(2) == to.take_back(2);
}

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
    if (scores.insideCap && isa<AddOp, SubOp, SelectOp, MaximumOp>(def))
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
    if (auto sub = dyn_cast<SubOp>(def)) {
      // `scores - term` (ALiBi as a subtraction): the bias -term, which
      // must then be finite (a negated mask would unmask).
      Value term = sub.getRhs(), rest = sub.getLhs();
      if (typeOf(rest) != typeOf(x) || !isFiniteIfConstant(term))
        return failure();
      return attempt([&] {
        return success(succeeded(addTerm(term, typeOf(x), -outer)) &&
                       succeeded(peel(rest, outer)));
      });
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

  /// Whether `term` is not a constant, or one of finite floats.
  static bool isFiniteIfConstant(Value term) {
    DenseElementsAttr constant = constantOf(term);
    return !constant ||
           (isa<FloatType>(constant.getElementType()) &&
            llvm::all_of(constant.getValues<APFloat>(),
                         [](const APFloat &v) { return v.isFinite(); }));
  }

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
      scores.biases.push_back({term, outer, frame, isFiniteIfConstant(term)});
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
      // gradient, which a bias would (the forward is the same). A bias only
      // where no row is hidden whole, which only a constant mask proves;
      // else the attention's fill.
      if (std::isfinite(*fill)) {
        DenseElementsAttr constant = constantOf(cond);
        std::optional<llvm::BitVector> masked =
            constant ? dsc::maskedElements(constant, /*maskedWhen=*/!keepWhen)
                     : std::nullopt;
        ArrayRef<int64_t> shape =
            constant ? constant.getType().getShape() : ArrayRef<int64_t>();
        if (!masked ||
            hasHiddenRow(*masked, shape.empty() ? 1 : shape.back())) {
          if (succeeded(
                  peelFill(select, cond, keepWhen, *fill * outer, rest, outer)))
            return success();
          continue;
        }
      }
      // A data-dependent mask: the bias `select(keep, 0, fill)`, which
      // softmax treats as the select does wherever a row keeps an entry.
      ScoreBias bias{Value(), outer, frame, std::isfinite(*fill)};
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

  /// The select of a finite `fill` as the attention's fill: the bias
  /// `select(keep, 0, -inf)` marks what it replaces. Only outermost (no
  /// scale may follow a bias or mask added after it, no clamp), and only
  /// over biases that cannot mark more: matchAndRewrite refuses a causal
  /// mask or a bias that may be -inf beside a fill. A bias computed from
  /// the data (DeBERTa's position terms) is taken to be finite: were it
  /// -inf where the select keeps the score, that score would become the
  /// fill, which is the same unless the row has no finite score left.
  LogicalResult peelFill(SelectOp select, Value cond, bool keepWhen,
                         double fill, Value rest, double outer) {
    if (!scores.biases.empty() || scores.clamped || scores.fill)
      return failure();
    return attempt([&] {
      ScoreBias bias{Value(), outer, select.getType(), /*finite=*/false};
      bias.cond = cond;
      bias.keepWhen = keepWhen;
      bias.fill = -std::numeric_limits<double>::infinity();
      scores.biases.push_back(bias);
      scores.fill = fill;
      return peel(rest, outer);
    });
  }

  Scores &scores;
};

} // namespace

LogicalResult dsc::matchScores(Value x, Scores &scores) {
  return ScoresMatcher(scores).peel(x, 1.0);
}

/// Whether a fill may replace exactly what its mask hides: no causal or
/// window mask (the fill would have to stay on the keys those remove), and
/// no other bias that may be -inf (a constant one, or another mask).
bool dsc::fillIsExact(const Scores &scores) {
  if (!scores.fill)
    return true;
  if (scores.causal)
    return false;
  return llvm::all_of(llvm::drop_begin(scores.biases), [](const ScoreBias &b) {
    return b.finite || (!b.cond && !constantOf(b.value));
  });
}
