//===- FuseAllToAll.cpp - -ds-fuse-all-to-all -----------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_FUSEALLTOALLPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

/// All-to-alls that can move together: same mesh, axes, dimensions and
/// element type; shapes equal outside the split dimension.
bool compatible(AllToAllOp a, AllToAllOp b) {
  if (a.getMesh() != b.getMesh() || a.getAxes() != b.getAxes() ||
      a.getSplitDim() != b.getSplitDim() ||
      a.getConcatDim() != b.getConcatDim())
    return false;
  RankedTensorType ta = a.getInput().getType(), tb = b.getInput().getType();
  if (ta.getElementType() != tb.getElementType() ||
      ta.getRank() != tb.getRank())
    return false;
  for (int64_t d = 0; d < ta.getRank(); ++d)
    if (d != static_cast<int64_t>(a.getSplitDim()) &&
        ta.getDimSize(d) != tb.getDimSize(d))
      return false;
  return true;
}

/// Replaces `group` (at least two compatible all-to-alls, in block order)
/// by one, inserted before the first user of any of their results.
void fuse(MutableArrayRef<AllToAllOp> group, Operation *insertBefore) {
  AllToAllOp first = group.front();
  OpBuilder builder(insertBefore);
  Location loc = first.getLoc();
  int64_t split = first.getSplitDim(), concat = first.getConcatDim();
  SymbolTableCollection symbols;
  int64_t n = *first.getGroupSize(symbols);

  // Views [..., n, size/n, ...] of each input, concatenated on size/n.
  SmallVector<Value> views;
  SmallVector<int64_t> pieces;
  for (AllToAllOp op : group) {
    RankedTensorType type = op.getInput().getType();
    SmallVector<int64_t> shape(type.getShape());
    pieces.push_back(shape[split] / n);
    shape[split] = pieces.back();
    shape.insert(shape.begin() + split, n);
    views.push_back(ReshapeOp::create(builder, loc, type.clone(shape),
                                      op.getInput()));
  }
  Value packed = ConcatOp::create(builder, loc, views, split + 1);
  // In the view the split dimension is `split` and `concat` shifts by one
  // when it lies after it.
  int64_t viewConcat = concat > split ? concat + 1 : concat;
  auto packedType = cast<RankedTensorType>(packed.getType());
  SmallVector<int64_t> movedShape(packedType.getShape());
  movedShape[split] = 1;
  movedShape[viewConcat] *= n;
  Value moved = AllToAllOp::create(
      builder, loc, packedType.clone(movedShape), packed, first.getMeshAttr(),
      first.getAxesAttr(), builder.getI64IntegerAttr(split),
      builder.getI64IntegerAttr(viewConcat));
  auto parts = SplitOp::create(builder, loc, moved, split + 1,
                               builder.getDenseI64ArrayAttr(pieces));
  for (auto [op, part] : llvm::zip(group, parts.getResults())) {
    Value result = ReshapeOp::create(builder, loc, op.getType(), part);
    op.getResult().replaceAllUsesWith(result);
    op.erase();
  }
}

struct FuseAllToAllPass : dsc::impl::FuseAllToAllPassBase<FuseAllToAllPass> {
  void runOnOperation() override {
    // Siblings by the op that consumes them, then by the op producing them.
    SmallVector<SmallVector<AllToAllOp>> groups;
    DenseMap<Operation *, SmallVector<AllToAllOp>> byConsumer, byProducer;
    getOperation().walk([&](AllToAllOp op) {
      // Keyed by the first op that reads the result: q, k and v meet at the
      // attention, even if the backward reads them again later.
      Operation *first = nullptr;
      for (Operation *user : op.getResult().getUsers())
        if (!first || user->isBeforeInBlock(first))
          first = user;
      if (first)
        byConsumer[first].push_back(op);
      if (Operation *producer = op.getInput().getDefiningOp())
        byProducer[producer].push_back(op);
    });
    DenseSet<Operation *> grouped;
    for (auto &map : {std::ref(byConsumer), std::ref(byProducer)})
      for (auto &[anchor, ops] : map.get()) {
        SmallVector<AllToAllOp> remaining;
        for (AllToAllOp op : ops)
          if (!grouped.count(op))
            remaining.push_back(op);
        while (remaining.size() > 1) {
          SmallVector<AllToAllOp> group = {remaining.front()};
          SmallVector<AllToAllOp> rest;
          for (AllToAllOp op : ArrayRef(remaining).drop_front())
            (compatible(group.front(), op) ? group : rest).push_back(op);
          if (group.size() > 1) {
            for (AllToAllOp op : group)
              grouped.insert(op);
            groups.push_back(group);
          }
          remaining = rest;
        }
      }
    for (SmallVector<AllToAllOp> &group : groups) {
      llvm::sort(group, [](AllToAllOp a, AllToAllOp b) {
        return a->isBeforeInBlock(b);
      });
      // After the last input is ready; only when no result is needed before.
      Operation *insertBefore = group.back()->getNextNode();
      bool usedEarly = llvm::any_of(group, [&](AllToAllOp op) {
        return llvm::any_of(op.getResult().getUsers(), [&](Operation *user) {
          return user->isBeforeInBlock(insertBefore);
        });
      });
      if (!usedEarly)
        fuse(group, insertBefore);
    }
  }
};

} // namespace
