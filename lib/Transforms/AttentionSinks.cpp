//===- AttentionSinks.cpp - sinks and row shifts around a softmax ---------===//

#include "AttentionSinks.h"

#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace mlir::ds;

namespace {

int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// `v` through reshapes: what they reshape.
Value skipReshapes(Value v) {
  while (auto reshape = v.getDefiningOp<ReshapeOp>())
    v = reshape.getInput();
  return v;
}

/// Whether `v` is a splat constant equal to `value`.
bool isSplatOf(Value v, double value) {
  DenseElementsAttr constant;
  if (!matchPattern(v, m_Constant(&constant)) || !constant.isSplat())
    return false;
  Type element = constant.getElementType();
  if (isa<FloatType>(element))
    return constant.getSplatValue<APFloat>().convertToDouble() == value;
  return static_cast<double>(constant.getSplatValue<APInt>().getSExtValue()) ==
         value;
}

/// `ds.max` of `x` over dimension `dim` only, keeping it.
bool isMaxAlong(Value v, Value x, int64_t dim) {
  auto max = v.getDefiningOp<MaxOp>();
  return max && max.getInput() == x && max.getKeepdim() &&
         max.getDims() == ArrayRef<int64_t>{dim};
}

/// `ds.iota` along `dim`.
bool isIotaAlong(Value v, int64_t dim) {
  auto iota = v.getDefiningOp<IotaOp>();
  return iota && static_cast<int64_t>(iota.getDim()) == dim;
}

/// `compare eq` of `a` and `b`, either way round; sets the operand that
/// is not `known` into `other`.
bool isEqualityWith(Value v, function_ref<bool(Value)> known, Value &other) {
  auto compare = v.getDefiningOp<CompareOp>();
  if (!compare || compare.getDirection() != CompareDirection::EQ)
    return false;
  for (auto [a, b] : {std::pair(compare.getLhs(), compare.getRhs()),
                      std::pair(compare.getRhs(), compare.getLhs())})
    if (known(a)) {
      other = b;
      return true;
    }
  return false;
}

/// Marks only where `x` [.., N] is largest along `dim` (or NaN): `x ==
/// max(x)`, maybe with `x != x` chosen first.
bool marksRowMaxima(Value marks, Value x, int64_t dim) {
  auto isNaNTest = [&](Value v) {
    auto compare = v.getDefiningOp<CompareOp>();
    return compare && compare.getDirection() == CompareDirection::NE &&
           compare.getLhs() == x && compare.getRhs() == x;
  };
  if (auto select = marks.getDefiningOp<SelectOp>()) {
    if (!isNaNTest(select.getCondition()) ||
        select.getOnTrue() != select.getCondition())
      return false;
    marks = select.getOnFalse();
  }
  Value other;
  return isEqualityWith(
             marks, [&](Value v) { return v == x; }, other) &&
         isMaxAlong(other, x, dim);
}

/// The first position along `dim` that `marks` marks, or N where none is:
/// `(N - 1) - max(select(marks, (N - 1) - iota, -1))` (the import's
/// firstMarked).
bool isFirstMarked(Value position, Value x, int64_t dim) {
  int64_t n = cast<RankedTensorType>(x.getType()).getDimSize(dim);
  auto sub = position.getDefiningOp<SubOp>();
  if (!sub || !isSplatOf(sub.getLhs(), static_cast<double>(n - 1)))
    return false;
  auto max = sub.getRhs().getDefiningOp<MaxOp>();
  if (!max || !max.getKeepdim() || max.getDims() != ArrayRef<int64_t>{dim})
    return false;
  auto select = max.getInput().getDefiningOp<SelectOp>();
  if (!select || !isSplatOf(select.getOnFalse(), -1.0))
    return false;
  auto fromEnd = select.getOnTrue().getDefiningOp<SubOp>();
  return fromEnd && isSplatOf(fromEnd.getLhs(), static_cast<double>(n - 1)) &&
         isIotaAlong(fromEnd.getRhs(), dim) &&
         marksRowMaxima(select.getCondition(), x, dim);
}

} // namespace

bool dsc::isRowMaximum(Value shift, Value x) {
  int64_t last = rankOf(x) - 1;
  if (last < 0)
    return false;
  if (isMaxAlong(shift, x, last))
    return true;
  // takeAlong: sum over the positions of select(position == iota,
  // x as [.., 1, N], 0); at most one position matches, none where the
  // first marked one is N (the sum is then 0, a harmless shift).
  auto sum = skipReshapes(shift).getDefiningOp<SumOp>();
  if (!sum || sum.getKeepdim() || sum.getDims() != ArrayRef<int64_t>{last + 1})
    return false;
  auto select = sum.getInput().getDefiningOp<SelectOp>();
  if (!select || !isSplatOf(select.getOnFalse(), 0.0) ||
      skipReshapes(select.getOnTrue()) != x ||
      rankOf(select.getOnTrue()) != last + 2)
    return false;
  Value position;
  if (!isEqualityWith(
          select.getCondition(),
          [&](Value v) { return isIotaAlong(v, last + 1); }, position))
    return false;
  return isFirstMarked(skipReshapes(position), x, last);
}

Value dsc::matchBlindRowsZeroed(Value input, Value &blind) {
  auto select = input.getDefiningOp<SelectOp>();
  if (!select || !isSplatOf(select.getOnTrue(), 0.0))
    return {};
  Value x = select.getOnFalse();
  Value rowMax;
  if (!isEqualityWith(
          select.getCondition(),
          [](Value v) {
            return isSplatOf(v, -std::numeric_limits<double>::infinity());
          },
          rowMax) ||
      !isMaxAlong(rowMax, x, rankOf(x) - 1))
    return {};
  blind = select.getCondition();
  return x;
}

bool dsc::zeroesRows(SelectOp select, Value blind, Value probs) {
  return select.getCondition() == blind && isSplatOf(select.getOnTrue(), 0.0) &&
         select.getOnFalse() == probs;
}

std::optional<dsc::SinkColumn> dsc::matchSinkColumn(Value x) {
  auto concat = x.getDefiningOp<ConcatOp>();
  if (!concat || concat.getInputs().size() != 2 || rankOf(x) != 4 ||
      concat.getDim() != 3)
    return std::nullopt;
  Value scores = concat.getInputs()[0];
  Value column = concat.getInputs()[1];
  auto columnType = cast<RankedTensorType>(column.getType());
  if (columnType.getDimSize(3) != 1)
    return std::nullopt;
  // Broadcast from one logit per head: every dimension of what is
  // broadcast is 1 but the head's, aligned to the right.
  auto broadcast = column.getDefiningOp<BroadcastOp>();
  if (!broadcast)
    return std::nullopt;
  Value logits = broadcast.getInput();
  ArrayRef<int64_t> shape = cast<RankedTensorType>(logits.getType()).getShape();
  int64_t heads = columnType.getDimSize(1);
  if (shape.size() < 3 || shape.size() > 4)
    return std::nullopt;
  for (auto [index, size] : llvm::enumerate(llvm::reverse(shape)))
    if (size != (index == 2 ? heads : 1))
      return std::nullopt;
  return SinkColumn{scores, logits};
}

bool dsc::dropsLastColumn(SliceOp slice) {
  ArrayRef<int64_t> shape = slice.getInput().getType().getShape();
  if (shape.empty() || shape.back() < 2)
    return false;
  SmallVector<int64_t> limits(shape);
  limits.back() -= 1;
  return llvm::all_of(slice.getStarts(), [](int64_t s) { return s == 0; }) &&
         llvm::all_of(slice.getStrides(), [](int64_t s) { return s == 1; }) &&
         slice.getLimits() == ArrayRef<int64_t>(limits);
}
