//===- DSFolders.cpp - folders and canonicalizations of ds ops ------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::ds;

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult ConvertOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // Reshape of a reshape reads the original value.
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPermutation()))
    if (static_cast<int64_t>(i) != p)
      return {};
  return getInput();
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  if (dense && dense.isSplat())
    return dense.resizeSplat(getType());
  return {};
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  if (dense && dense.isSplat())
    return dense.resizeSplat(getType());
  return {};
}

LogicalResult mlir::ds::dropUnreadBiasGradient(RewriterBase &rewriter,
                                               AttentionGradOp op) {
  if (!op.getGradBias() || !op.getGradBias().use_empty())
    return failure();
  rewriter.setInsertionPoint(op);
  Value sinks = op.getSinks();
  auto replacement = AttentionGradOp::create(
      rewriter, op.getLoc(), op.getGradQuery().getType(),
      op.getGradKey().getType(), op.getGradValue().getType(),
      /*grad_bias=*/Type(), sinks ? sinks.getType() : Type(), op.getQuery(),
      op.getKey(), op.getValue(), op.getOutput(), op.getGradOutput(),
      op.getBias(), sinks, op.getCausalAttr(), op.getWindowAttr(),
      op.getKeyLengthAttr(), op.getScaleAttr(), op.getSoftcapAttr(),
      op.getFillAttr());
  replacement->setDiscardableAttrs(op->getDiscardableAttrDictionary());
  SmallVector<Value, 5> results = {replacement.getGradQuery(),
                                   replacement.getGradKey(),
                                   replacement.getGradValue(), Value()};
  if (sinks)
    results.push_back(replacement.getGradSinks());
  rewriter.replaceOp(op, results);
  return success();
}

namespace {
/// An attention gradient whose bias gradient nothing reads (a bias no
/// trainable parameter reaches) would compute it for nothing, and in the
/// composite form rather than the fused kernels: drop it.
struct DropUnreadBiasGradient : OpRewritePattern<AttentionGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionGradOp op,
                                PatternRewriter &rewriter) const override {
    return dropUnreadBiasGradient(rewriter, op);
  }
};
} // namespace

void AttentionGradOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                  MLIRContext *context) {
  patterns.add<DropUnreadBiasGradient>(context);
}
