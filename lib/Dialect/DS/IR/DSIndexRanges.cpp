//===- DSIndexRanges.cpp - the values indexing ops accept -----------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

using namespace mlir;
using namespace mlir::ds;

IndexRange IndexRange::intersect(const IndexRange &other) const {
  IndexRange out;
  out.lo = std::max(lo, other.lo);
  out.hi = std::max(out.lo, std::min(hi, other.hi));
  // The extra value stays where both accept it.
  if (also && other.contains(*also))
    out.also = also;
  else if (other.also && contains(*other.also))
    out.also = other.also;
  if (out.also && *out.also >= out.lo && *out.also < out.hi)
    out.also.reset();
  return out;
}

/// [0, size of `dim` of `value`'s type).
static IndexRange rowsOf(Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  return IndexRange{0, type.getDimSize(dim), std::nullopt};
}

/// The classes of `logits` [..., C], and `ignoreIndex`.
static IndexRange classesOf(Value logits, int64_t ignoreIndex) {
  auto type = cast<RankedTensorType>(logits.getType());
  IndexRange range = rowsOf(logits, type.getRank() - 1);
  if (!range.contains(ignoreIndex))
    range.also = ignoreIndex;
  return range;
}

std::optional<IndexRange> EmbeddingOp::getIndexRange(unsigned operand) {
  if (operand != getIndicesMutable().getOperandNumber())
    return std::nullopt;
  return rowsOf(getWeight(), 0);
}

std::optional<IndexRange> EmbeddingGradOp::getIndexRange(unsigned operand) {
  if (operand != getIndicesMutable().getOperandNumber())
    return std::nullopt;
  return rowsOf(getResult(), 0);
}

std::optional<IndexRange> CrossEntropyOp::getIndexRange(unsigned operand) {
  if (operand != getLabelsMutable().getOperandNumber())
    return std::nullopt;
  return classesOf(getLogits(), getIgnoreIndexAttr().getInt());
}

std::optional<IndexRange> CrossEntropyGradOp::getIndexRange(unsigned operand) {
  if (operand != getLabelsMutable().getOperandNumber())
    return std::nullopt;
  return classesOf(getLogits(), getIgnoreIndexAttr().getInt());
}
