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

/// The dimension along which the tensors of a group are packed into one:
/// the only one in which they may differ. Ulysses' forward moves q, k and v
/// from sequence-split to head-split and grouped-query attention gives them
/// different head counts in the split dimension; the backward moves their
/// gradients the other way, and they differ in the concat dimension.
enum class Packing { AlongSplit, AlongConcat };

/// A set of all-to-alls to replace by one, and how to pack them.
struct FusionGroup {
  SmallVector<AllToAllOp> ops;
  Packing packing;
};

/// All-to-alls that can move together packed as `packing` says: same mesh,
/// axes, dimensions and element type; shapes equal outside the packed
/// dimension.
bool compatible(AllToAllOp a, AllToAllOp b, Packing packing) {
  if (a.getMesh() != b.getMesh() || a.getAxes() != b.getAxes() ||
      a.getSplitDim() != b.getSplitDim() ||
      a.getConcatDim() != b.getConcatDim())
    return false;
  int64_t split = a.getSplitDim(), concat = a.getConcatDim();
  // With one dimension both split and concatenated, packing along the
  // split dimension already covers every difference.
  if (packing == Packing::AlongConcat && split == concat)
    return false;
  int64_t packed = packing == Packing::AlongSplit ? split : concat;
  RankedTensorType ta = a.getInput().getType(), tb = b.getInput().getType();
  // Trimmed all-to-alls (real sizes) move together when their pieces are
  // alike: stacked along a new dimension, each keeps its real prefix.
  if (a.getRealDimAttr() != b.getRealDimAttr() ||
      a.getRealSizesAttr() != b.getRealSizesAttr())
    return false;
  if (a.getRealDimAttr() && (packing != Packing::AlongSplit || ta != tb))
    return false;
  if (ta.getElementType() != tb.getElementType() ||
      ta.getRank() != tb.getRank())
    return false;
  for (int64_t d = 0; d < ta.getRank(); ++d)
    if (d != packed && ta.getDimSize(d) != tb.getDimSize(d))
      return false;
  return true;
}

/// The largest group that `candidates.front()` forms with the others, and
/// its packing. Packing along the split dimension wins ties, so tensors of
/// equal shape keep the forward's layout.
FusionGroup largestGroup(ArrayRef<AllToAllOp> candidates) {
  FusionGroup best{{}, Packing::AlongSplit};
  for (Packing packing : {Packing::AlongSplit, Packing::AlongConcat}) {
    FusionGroup group{{candidates.front()}, packing};
    for (AllToAllOp op : candidates.drop_front())
      if (compatible(candidates.front(), op, packing))
        group.ops.push_back(op);
    if (group.ops.size() > best.ops.size())
      best = std::move(group);
  }
  return best;
}

/// `type` with dimension `dim` viewed as [n, size / n].
RankedTensorType splitView(RankedTensorType type, int64_t dim, int64_t n) {
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] /= n;
  shape.insert(shape.begin() + dim, n);
  return type.clone(shape);
}

/// Views every input of `group` with its split dimension as [n, size / n],
/// so that the piece each rank receives is one index of the `n` dimension.
SmallVector<Value> splitViews(OpBuilder &builder, ArrayRef<AllToAllOp> group,
                              int64_t n) {
  SmallVector<Value> views;
  for (AllToAllOp op : group)
    views.push_back(ReshapeOp::create(
        builder, op.getLoc(),
        splitView(op.getInput().getType(), op.getSplitDim(), n),
        op.getInput()));
  return views;
}

/// Views each of `parts` (in the order of `group`) as the result of its
/// all-to-all.
SmallVector<Value> reshapeToResults(OpBuilder &builder,
                                    ArrayRef<AllToAllOp> group,
                                    ValueRange parts) {
  SmallVector<Value> results;
  for (auto [index, part] : llvm::enumerate(parts)) {
    AllToAllOp op = group[index];
    results.push_back(
        ReshapeOp::create(builder, op.getLoc(), op.getType(), part));
  }
  return results;
}

/// One all-to-all of `packed` (split views concatenated) that sends index
/// `j` of the `n` dimension (`split`) to rank `j` and concatenates what it
/// receives along `viewConcat`.
Value moveViews(OpBuilder &builder, AllToAllOp first, Value packed,
                int64_t split, int64_t viewConcat, int64_t n) {
  auto packedType = cast<RankedTensorType>(packed.getType());
  SmallVector<int64_t> movedShape(packedType.getShape());
  movedShape[split] = 1;
  movedShape[viewConcat] *= n;
  if (!first.getRealDimAttr())
    return AllToAllOp::create(
        builder, first.getLoc(), packedType.clone(movedShape), packed,
        first.getMeshAttr(), first.getAxesAttr(),
        builder.getI64IntegerAttr(split), builder.getI64IntegerAttr(viewConcat),
        nullptr, nullptr);
  // Trimmed (moveAlongSplit of equal inputs): the k pieces for one rank,
  // [k * c] after `split`, are viewed as [k, c], so that the real prefix of
  // each is a prefix along the c dimension of the stack.
  Location loc = first.getLoc();
  int64_t k = packedType.getDimSize(split + 1) * n /
              first.getInput().getType().getDimSize(split);
  SmallVector<int64_t> stacked(packedType.getShape());
  stacked[split + 1] /= k;
  stacked.insert(stacked.begin() + split + 1, k);
  Value view =
      ReshapeOp::create(builder, loc, packedType.clone(stacked), packed);
  SmallVector<int64_t> movedStack(stacked);
  int64_t stackConcat = viewConcat > split ? viewConcat + 1 : viewConcat;
  movedStack[split] = 1;
  movedStack[stackConcat] *= n;
  int64_t realDim = static_cast<int64_t>(*first.getRealDim());
  int64_t stackReal = realDim >= split ? realDim + 2 : realDim;
  Value moved = AllToAllOp::create(
      builder, loc, packedType.clone(movedStack), view, first.getMeshAttr(),
      first.getAxesAttr(), builder.getI64IntegerAttr(split),
      builder.getI64IntegerAttr(stackConcat),
      builder.getI64IntegerAttr(stackReal), first.getRealSizesAttr());
  return ReshapeOp::create(builder, loc, packedType.clone(movedShape), moved);
}

/// Packs the split views along their size / n dimension: every rank
/// receives, from rank `j`, [p_1, ..., p_k] (each input's piece for it)
/// concatenated along `concat`, so the pieces of input `i` are one slice of
/// the size / n dimension of the result. Returns the results of `group`.
SmallVector<Value> moveAlongSplit(OpBuilder &builder,
                                  ArrayRef<AllToAllOp> group, int64_t n) {
  AllToAllOp first = group.front();
  Location loc = first.getLoc();
  int64_t split = first.getSplitDim(), concat = first.getConcatDim();
  SmallVector<int64_t> pieces;
  for (AllToAllOp op : group)
    pieces.push_back(op.getInput().getType().getDimSize(split) / n);
  Value packed =
      ConcatOp::create(builder, loc, splitViews(builder, group, n), split + 1);
  // In the view `concat` shifts by one when it lies after `split`.
  int64_t viewConcat = concat > split ? concat + 1 : concat;
  Value moved = moveViews(builder, first, packed, split, viewConcat, n);
  auto parts = SplitOp::create(builder, loc, moved, split + 1,
                               builder.getDenseI64ArrayAttr(pieces));
  return reshapeToResults(builder, group, parts.getResults());
}

/// Packs the split views along the concat dimension (sizes c_i): rank `r`
/// receives from rank `j` the concatenation of every input's piece `r`, so
/// the received concat dimension, viewed as [n, sum c_i], holds rank `j`'s
/// pieces in block `j` (rank-major, as one all-to-all of each input would
/// lay them out). Splitting the sum into the c_i and flattening each
/// [n, c_i] back to n * c_i gives the results of `group`.
SmallVector<Value> moveAlongConcat(OpBuilder &builder,
                                   ArrayRef<AllToAllOp> group, int64_t n) {
  AllToAllOp first = group.front();
  Location loc = first.getLoc();
  int64_t split = first.getSplitDim(), concat = first.getConcatDim();
  SmallVector<int64_t> pieces;
  for (AllToAllOp op : group)
    pieces.push_back(op.getInput().getType().getDimSize(concat));
  int64_t viewConcat = concat > split ? concat + 1 : concat;
  Value packed =
      ConcatOp::create(builder, loc, splitViews(builder, group, n), viewConcat);
  Value moved = moveViews(builder, first, packed, split, viewConcat, n);
  // Dropping the unit `n` dimension left by the move gives the results'
  // layout, with the concat dimension n * sum c_i viewed as [n, sum c_i].
  RankedTensorType resultType = first.getType();
  SmallVector<int64_t> blocksShape(resultType.getShape());
  blocksShape[concat] = llvm::sum_of(pieces);
  blocksShape.insert(blocksShape.begin() + concat, n);
  Value blocks =
      ReshapeOp::create(builder, loc, resultType.clone(blocksShape), moved);
  auto parts = SplitOp::create(builder, loc, blocks, concat + 1,
                               builder.getDenseI64ArrayAttr(pieces));
  return reshapeToResults(builder, group, parts.getResults());
}

/// Replaces `group` (at least two all-to-alls, in block order) by one,
/// inserted before `insertBefore`.
void fuse(FusionGroup &group, Operation *insertBefore) {
  OpBuilder builder(insertBefore);
  SymbolTableCollection symbols;
  int64_t n = *group.ops.front().getGroupSize(symbols);
  SmallVector<Value> results = group.packing == Packing::AlongSplit
                                   ? moveAlongSplit(builder, group.ops, n)
                                   : moveAlongConcat(builder, group.ops, n);
  for (auto [op, result] : llvm::zip(group.ops, results)) {
    op.getResult().replaceAllUsesWith(result);
    op.erase();
  }
}

/// Splits `ops` (all-to-alls that share an anchor) into groups to fuse,
/// skipping and then recording those in `grouped`.
void formGroups(ArrayRef<AllToAllOp> ops, DenseSet<Operation *> &grouped,
                SmallVectorImpl<FusionGroup> &groups) {
  SmallVector<AllToAllOp> remaining;
  for (AllToAllOp op : ops)
    if (!grouped.count(op))
      remaining.push_back(op);
  while (remaining.size() > 1) {
    FusionGroup group = largestGroup(remaining);
    DenseSet<Operation *> members;
    for (AllToAllOp op : group.ops)
      members.insert(op);
    SmallVector<AllToAllOp> rest;
    for (AllToAllOp op : remaining)
      if (!members.count(op))
        rest.push_back(op);
    if (group.ops.size() > 1) {
      grouped.insert(members.begin(), members.end());
      groups.push_back(std::move(group));
    }
    remaining = std::move(rest);
  }
}

struct FuseAllToAllPass : dsc::impl::FuseAllToAllPassBase<FuseAllToAllPass> {
  void runOnOperation() override {
    // Siblings by the op that consumes them, then by the op producing them.
    SmallVector<FusionGroup> groups;
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
      for (auto &[anchor, ops] : map.get())
        formGroups(ops, grouped, groups);
    for (FusionGroup &group : groups) {
      llvm::sort(group.ops, [](AllToAllOp a, AllToAllOp b) {
        return a->isBeforeInBlock(b);
      });
      // After the last input is ready; only when no result is needed before.
      Operation *insertBefore = group.ops.back()->getNextNode();
      bool usedEarly = llvm::any_of(group.ops, [&](AllToAllOp op) {
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
