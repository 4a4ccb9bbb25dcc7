//===- TrimAllToAll.cpp - -ds-trim-all-to-all -----------------------------===//
//
// Finds all-to-alls whose input is zero, or whose result is unused, beyond
// a leading range of one dimension, and records which part of each piece is
// real (`real_dim`, `real_sizes`) so that the runtime moves only that part.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace dsc {
#define GEN_PASS_DEF_TRIMALLTOALLPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

/// A leading range [0, size) of dimension `dim` outside of which a tensor
/// is zero (or unused).
struct RealRange {
  int64_t dim;
  int64_t size;
};

bool isZeroSplat(Value v) {
  return matchPattern(v, m_Zero()) || matchPattern(v, m_PosZeroFloat());
}

/// Where `v` is zero: through `select(mask, x, +0)` to a low-end `pad` that
/// grows exactly one dimension.
std::optional<RealRange> zeroBeyond(Value v) {
  while (auto select = v.getDefiningOp<SelectOp>()) {
    // Only a select that keeps the shape of what it masks: with broadcasting
    // the dimensions would not correspond.
    if (!isZeroSplat(select.getOnFalse()) ||
        select.getType() != select.getOnTrue().getType())
      return std::nullopt;
    v = select.getOnTrue();
  }
  auto pad = v.getDefiningOp<PadOp>();
  if (!pad)
    return std::nullopt;
  ArrayRef<int64_t> in = pad.getInput().getType().getShape();
  ArrayRef<int64_t> out = pad.getType().getShape();
  std::optional<RealRange> range;
  for (int64_t d = 0; d < static_cast<int64_t>(in.size()); ++d) {
    if (in[d] == out[d])
      continue;
    if (range || pad.getLow()[d] != 0 || pad.getStrides()[d] != 1)
      return std::nullopt;
    range = RealRange{d, in[d]};
  }
  return range;
}

/// Where `v` is unused: every use a slice from 0 with stride 1 in one common
/// dimension that it does not take whole.
std::optional<RealRange> usedWithin(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (v.use_empty())
    return std::nullopt;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t used = 0;
    bool ok = llvm::all_of(v.getUsers(), [&](Operation *user) {
      auto slice = dyn_cast<SliceOp>(user);
      if (!slice || slice.getStarts()[d] != 0 || slice.getStrides()[d] != 1)
        return false;
      used = std::max(used, slice.getLimits()[d]);
      return true;
    });
    if (ok && used < type.getDimSize(d))
      return RealRange{d, used};
  }
  return std::nullopt;
}

/// The real sizes of every piece (row-major, sender by receiver) when the
/// real part of the input (`inInput`) or of the result is `range`.
SmallVector<int64_t> realSizes(AllToAllOp op, RealRange range, bool inInput,
                               int64_t n) {
  int64_t split = op.getSplitDim(), concat = op.getConcatDim();
  SmallVector<int64_t> sizes(n * n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      // The piece i sends to j covers [begin, begin + extent) of the
      // dimension where the range lies.
      int64_t begin = 0, extent = range.size;
      if (inInput && range.dim == split) {
        extent = op.getPieceExtent(split, n);
        begin = j * extent;
      } else if (!inInput && range.dim == concat) {
        extent = op.getInput().getType().getDimSize(concat);
        begin = i * extent;
      }
      sizes[i * n + j] = std::clamp<int64_t>(range.size - begin, 0, extent);
    }
  }
  return sizes;
}

struct TrimAllToAllPass : dsc::impl::TrimAllToAllPassBase<TrimAllToAllPass> {
  void runOnOperation() override {
    SymbolTableCollection symbols;
    getOperation().walk([&](AllToAllOp op) {
      if (op.getRealDimAttr() || op.getSplitDim() == op.getConcatDim())
        return;
      FailureOr<int64_t> n = op.getGroupSize(symbols);
      if (failed(n))
        return;
      bool inInput = true;
      std::optional<RealRange> range = zeroBeyond(op.getInput());
      if (!range) {
        inInput = false;
        range = usedWithin(op.getResult());
      }
      if (!range)
        return;
      SmallVector<int64_t> sizes = realSizes(op, *range, inInput, *n);
      int64_t extent = op.getPieceExtent(range->dim, *n);
      if (llvm::all_of(sizes, [&](int64_t s) { return s == extent; }))
        return;
      op.setRealDimAttr(OpBuilder(op).getI64IntegerAttr(range->dim));
      op.setRealSizes(sizes);
    });
  }
};

} // namespace
