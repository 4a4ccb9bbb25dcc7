//===- AttentionMasks.cpp - what a constant attention mask keeps ----------===//

#include "AttentionMasks.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

bool dsc::isMaskedValue(const APFloat &value) {
  return value.isNegative() &&
         (value.isInfinity() || value.convertToDouble() <= -1e30);
}

std::optional<llvm::BitVector> dsc::maskedElements(DenseElementsAttr mask,
                                                   bool maskedWhen) {
  llvm::BitVector masked(mask.getNumElements());
  int64_t index = 0;
  if (isa<FloatType>(mask.getElementType())) {
    for (const APFloat &value : mask.getValues<APFloat>()) {
      if (isMaskedValue(value))
        masked.set(index);
      else if (!value.isZero())
        return std::nullopt;
      ++index;
    }
    return masked;
  }
  if (!mask.getElementType().isInteger(1))
    return std::nullopt;
  for (bool value : mask.getValues<bool>()) {
    if (value == maskedWhen)
      masked.set(index);
    ++index;
  }
  return masked;
}

std::optional<dsc::CausalPattern>
dsc::matchCausalPattern(ArrayRef<int64_t> shape,
                        const llvm::BitVector &masked) {
  if (shape.size() < 2 || shape[shape.size() - 2] != shape.back())
    return std::nullopt;
  int64_t s = shape.back();
  if (s == 0)
    return std::nullopt;
  // Row i keeps [lo, i]; the window is what the last row that starts
  // above 0 keeps, and every row must agree with it.
  auto keptFrom = [&](int64_t row) -> std::optional<int64_t> {
    std::optional<int64_t> lo;
    for (int64_t j = 0; j < s; ++j) {
      bool kept = !masked[row * s + j];
      if (kept && !lo)
        lo = j;
      if (kept != (lo && j <= row % s))
        return std::nullopt;
    }
    return lo;
  };
  CausalPattern pattern;
  for (int64_t i = s - 1; i >= 0 && !pattern.window; --i) {
    std::optional<int64_t> lo = keptFrom(i);
    if (!lo)
      return std::nullopt;
    if (*lo > 0)
      pattern.window = i - *lo + 1;
  }
  int64_t rows = static_cast<int64_t>(masked.size()) / s;
  for (int64_t row = 0; row < rows; ++row) {
    std::optional<int64_t> lo = keptFrom(row);
    int64_t i = row % s;
    int64_t expected =
        pattern.window ? std::max<int64_t>(0, i - pattern.window + 1) : 0;
    if (!lo || *lo != expected)
      return std::nullopt;
  }
  return pattern;
}
