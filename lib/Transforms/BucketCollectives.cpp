//===- BucketCollectives.cpp - -ds-bucket-collectives ---------------------===//
//
// Packs consecutive collectives of one kind into one: every member's input
// is viewed as [g_in, m] and its result as [g_out, m], the views are
// concatenated along m, one collective runs on the packed buffer and the
// result is split along m again. All-reduces have g_in = g_out = 1;
// reduce-scatters g_in = n (the group) and g_out = 1; all-gathers 1 and n:
// a reduce-scatter or all-gather qualifies where nothing precedes its
// dimension (its pieces are then contiguous: ZeRO's flat pieces). ZeRO
// stage 3's gathers of parameters are packed too unless the packing copies
// would cost too much memory (`parameter-gathers=false`: sequential), and
// so are reduce-scatters unless `reduce-scatters=false`.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_BUCKETCOLLECTIVESPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

/// A collective that may join a bucket, with its views' sizes.
struct Member {
  Operation *op;
  int64_t groupIn, groupOut, m;
  int64_t bytes() const {
    auto type = cast<RankedTensorType>(op->getOperand(0).getType());
    return std::max(groupIn, groupOut) * m *
           std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1);
  }
};

/// `op` as a bucket member, if it can be one: all-gathers of parameter
/// arguments (ZeRO stage 3's) only with `parameterGathers`, reduce-scatters
/// only with `reduceScatters`.
std::optional<Member> asMember(Operation *op, bool parameterGathers,
                               bool reduceScatters) {
  auto input = cast<RankedTensorType>(op->getOperand(0).getType());
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  auto piecesFirst = [&](int64_t dim) {
    return dsc::rt::elementsBefore(input.getShape(), dim) == 1;
  };
  if (isa<AllReduceOp>(op))
    return Member{op, 1, 1, result.getNumElements()};
  if (auto scatter = dyn_cast<ReduceScatterOp>(op))
    if (reduceScatters && piecesFirst(scatter.getDim()))
      return Member{op, input.getNumElements() / result.getNumElements(), 1,
                    result.getNumElements()};
  if (auto gather = dyn_cast<AllGatherOp>(op))
    if (piecesFirst(gather.getDim()) &&
        (parameterGathers || !isa<BlockArgument>(gather.getInput())))
      return Member{op, 1, result.getNumElements() / input.getNumElements(),
                    input.getNumElements()};
  return std::nullopt;
}

/// Same kind, mesh, axes, group views, element type and reduction.
bool sameCollective(const Member &a, const Member &b) {
  Operation *x = a.op, *y = b.op;
  return x->getName() == y->getName() && a.groupIn == b.groupIn &&
         a.groupOut == b.groupOut && x->getAttr("mesh") == y->getAttr("mesh") &&
         x->getAttr("axes") == y->getAttr("axes") &&
         x->getAttr("reduction") == y->getAttr("reduction") &&
         getElementTypeOrSelf(x->getOperand(0).getType()) ==
             getElementTypeOrSelf(y->getOperand(0).getType());
}

/// The reshapes that view `v` (transitively, parents first), which may move
/// with it, and the other ops that read it through them.
void collectReaders(Value v, SmallVectorImpl<Operation *> &views,
                    SmallVectorImpl<Operation *> &readers) {
  for (Operation *user : v.getUsers()) {
    if (isa<ReshapeOp>(user)) {
      views.push_back(user);
      collectReaders(user->getResult(0), views, readers);
    } else {
      readers.push_back(user);
    }
  }
}

/// Whether something reads `member`'s result (not counting reshapes of it)
/// before `op`, or `op` does.
bool readBy(const Member &member, Operation *op) {
  SmallVector<Operation *> views, readers;
  collectReaders(member.op->getResult(0), views, readers);
  return llvm::any_of(
      readers, [&](Operation *u) { return u == op || u->isBeforeInBlock(op); });
}

/// Replaces the bucket by one collective of the packed views.
void fuse(ArrayRef<Member> bucket) {
  Operation *last = bucket.back().op;
  OpBuilder builder(last->getNextNode());
  Location loc = last->getLoc();
  Type elementType = getElementTypeOrSelf(last->getOperand(0).getType());
  int64_t groupIn = bucket.front().groupIn, groupOut = bucket.front().groupOut;
  // All-reduces are packed flat; the others as [g, m] along m.
  bool flat = groupIn == 1 && groupOut == 1;
  auto view = [&](int64_t g, int64_t m) {
    return flat ? RankedTensorType::get({m}, elementType)
                : RankedTensorType::get({g, m}, elementType);
  };
  int64_t dim = flat ? 0 : 1, total = 0;
  SmallVector<Value> inputs;
  SmallVector<int64_t> sizes;
  for (const Member &member : bucket) {
    sizes.push_back(member.m);
    total += member.m;
    inputs.push_back(ReshapeOp::create(builder, loc, view(groupIn, member.m),
                                       member.op->getOperand(0)));
  }
  Value packed = ConcatOp::create(builder, loc, inputs, dim);
  OperationState state(loc, last->getName());
  state.addOperands(packed);
  state.addAttributes(last->getAttrs());
  if (!flat)
    state.attributes.set("dim", builder.getI64IntegerAttr(0));
  state.addTypes(view(groupOut, total));
  Value moved = builder.create(state)->getResult(0);
  auto pieces =
      SplitOp::create(builder, loc, moved, builder.getI64IntegerAttr(dim),
                      builder.getDenseI64ArrayAttr(sizes));
  for (auto [member, piece] : llvm::zip(bucket, pieces.getResults())) {
    Value result = member.op->getResult(0);
    SmallVector<Operation *> views, readers;
    collectReaders(result, views, readers);
    auto unpacked = ReshapeOp::create(builder, loc, result.getType(), piece);
    result.replaceAllUsesWith(unpacked.getResult());
    // Reshapes of a member's result follow it to its new place.
    Operation *after = unpacked;
    for (Operation *view : views) {
      view->moveAfter(after);
      after = view;
    }
    builder.setInsertionPointAfter(after);
    member.op->erase();
  }
}

struct BucketCollectivesPass
    : dsc::impl::BucketCollectivesPassBase<BucketCollectivesPass> {
  using BucketCollectivesPassBase::BucketCollectivesPassBase;

  void runOnOperation() override {
    getOperation().walk([&](Block *block) {
      SmallVector<SmallVector<Member>> buckets;
      // One open bucket per kind: kinds do not interrupt one another.
      llvm::StringMap<SmallVector<Member>> open;
      llvm::StringMap<int64_t> openBytes;
      auto close = [&](StringRef kind) {
        SmallVector<Member> &members = open[kind];
        if (members.size() > 1 && llvm::none_of(members, [&](const Member &m) {
              return readBy(m, members.back().op);
            }))
          buckets.push_back(members);
        members.clear();
        openBytes[kind] = 0;
      };
      for (Operation &op : *block) {
        if (!isa<AllReduceOp, ReduceScatterOp, AllGatherOp>(op))
          continue;
        std::optional<Member> member =
            asMember(&op, parameterGathers, reduceScatters);
        StringRef kind = op.getName().getStringRef();
        SmallVector<Member> &members = open[kind];
        // A bucket ends before the first op that reads one of its members.
        if (!members.empty() &&
            (!member || !sameCollective(members.front(), *member) ||
             llvm::any_of(members,
                          [&](const Member &m) { return readBy(m, &op); }) ||
             openBytes[kind] + member->bytes() > bucketBytes))
          close(kind);
        if (!member)
          continue;
        members.push_back(*member);
        openBytes[kind] += member->bytes();
      }
      for (auto &entry : open)
        close(entry.getKey());
      for (SmallVector<Member> &bucket : buckets)
        fuse(bucket);
    });
  }
};

} // namespace
