//===- LossDecomposition.cpp - mean losses as sum over count --------------===//

#include "LossDecomposition.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::ds;

void dsc::decomposeMeanLosses(func::FuncOp step) {
  OpBuilder builder(step.getContext());
  DenseMap<std::pair<Value, Value>, Value> counts;
  auto countOf = [&](Value logits, Value labels, int64_t ignore, Location loc) {
    auto key = std::make_pair(logits, labels);
    if (Value c = counts.lookup(key))
      return c;
    auto labelsType = cast<RankedTensorType>(labels.getType());
    Type floatType = cast<RankedTensorType>(logits.getType()).getElementType();
    Value ignoreValue =
        vjp::createScalar(builder, loc, labelsType.getElementType(), ignore);
    Value counted = CompareOp::create(builder, loc, CompareDirection::NE,
                                      labels, ignoreValue);
    counted =
        ConvertOp::create(builder, loc, labelsType.clone(floatType), counted);
    SmallVector<int64_t> dims =
        llvm::to_vector(llvm::seq<int64_t>(0, labelsType.getRank()));
    Value c = labelsType.getRank() == 0
                  ? counted
                  : SumOp::create(builder, loc, counted,
                                  builder.getDenseI64ArrayAttr(dims), false)
                        .getResult();
    counts[key] = c;
    return c;
  };
  step.walk([&](CrossEntropyOp loss) {
    if (loss.getSum())
      return;
    builder.setInsertionPoint(loss);
    Value count = countOf(loss.getLogits(), loss.getLabels(),
                          loss.getIgnoreIndex(), loss.getLoc());
    Value sum = CrossEntropyOp::create(builder, loss.getLoc(), loss.getLogits(),
                                       loss.getLabels(), loss.getIgnoreIndex(),
                                       /*sum=*/true);
    loss.replaceAllUsesWith(
        DivOp::create(builder, loss.getLoc(), sum, count).getResult());
    loss.erase();
  });
  step.walk([&](CrossEntropyGradOp grad) {
    if (grad.getSum())
      return;
    builder.setInsertionPoint(grad);
    Value count = countOf(grad.getLogits(), grad.getLabels(),
                          grad.getIgnoreIndex(), grad.getLoc());
    Value scaled =
        DivOp::create(builder, grad.getLoc(), grad.getGradLoss(), count);
    grad.getGradLossMutable().assign(scaled);
    grad.setSum(true);
  });
}
