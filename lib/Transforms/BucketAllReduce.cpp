//===- BucketAllReduce.cpp - -ds-bucket-all-reduce ------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace dsc {
#define GEN_PASS_DEF_BUCKETALLREDUCEPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

bool sameCollective(AllReduceOp a, AllReduceOp b) {
  return a.getMesh() == b.getMesh() && a.getAxes() == b.getAxes() &&
         a.getReduction() == b.getReduction() &&
         a.getType().getElementType() == b.getType().getElementType();
}

int64_t byteSize(AllReduceOp op) {
  RankedTensorType type = op.getType();
  return type.getNumElements() *
         std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1);
}

/// Whether some result of `bucket` is read before the bucket's last member.
bool readEarly(ArrayRef<AllReduceOp> bucket) {
  Operation *last = bucket.back();
  return llvm::any_of(bucket, [&](AllReduceOp op) {
    return llvm::any_of(op.getResult().getUsers(), [&](Operation *user) {
      return user->isBeforeInBlock(last) || user == last;
    });
  });
}

/// Replaces the bucket by one all-reduce of the flattened concatenation.
void fuse(MutableArrayRef<AllReduceOp> bucket) {
  AllReduceOp last = bucket.back();
  OpBuilder builder(last->getNextNode());
  Location loc = last.getLoc();
  Type elementType = last.getType().getElementType();
  SmallVector<Value> flat;
  SmallVector<int64_t> sizes;
  for (AllReduceOp op : bucket) {
    int64_t n = op.getType().getNumElements();
    sizes.push_back(n);
    flat.push_back(ReshapeOp::create(
        builder, loc, RankedTensorType::get({n}, elementType), op.getInput()));
  }
  Value packed = ConcatOp::create(builder, loc, flat, 0);
  Value reduced =
      AllReduceOp::create(builder, loc, packed, last.getMeshAttr(),
                          last.getAxesAttr(), last.getReductionAttr());
  auto pieces =
      SplitOp::create(builder, loc, reduced, builder.getI64IntegerAttr(0),
                      builder.getDenseI64ArrayAttr(sizes));
  for (auto [op, piece] : llvm::zip(bucket, pieces.getResults())) {
    op.getResult().replaceAllUsesWith(
        ReshapeOp::create(builder, loc, op.getType(), piece).getResult());
    op.erase();
  }
}

struct BucketAllReducePass
    : dsc::impl::BucketAllReducePassBase<BucketAllReducePass> {
  using BucketAllReducePassBase::BucketAllReducePassBase;

  void runOnOperation() override {
    getOperation().walk([&](Block *block) {
      SmallVector<SmallVector<AllReduceOp>> buckets;
      SmallVector<AllReduceOp> open;
      int64_t openBytes = 0;
      auto close = [&] {
        if (open.size() > 1 && !readEarly(open))
          buckets.push_back(open);
        open.clear();
        openBytes = 0;
      };
      for (auto op : llvm::make_early_inc_range(block->getOps<AllReduceOp>())) {
        // A bucket ends before the first op that reads one of its members.
        bool readBefore = llvm::any_of(open, [&](AllReduceOp member) {
          return llvm::any_of(
              member.getResult().getUsers(),
              [&](Operation *user) { return user->isBeforeInBlock(op); });
        });
        if (!open.empty() && (readBefore || !sameCollective(open.front(), op) ||
                              openBytes + byteSize(op) > bucketBytes))
          close();
        open.push_back(op);
        openBytes += byteSize(op);
      }
      close();
      for (SmallVector<AllReduceOp> &bucket : buckets)
        fuse(bucket);
    });
  }
};

} // namespace
