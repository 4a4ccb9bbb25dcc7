//===- AttentionHeads.cpp - head counts that sp divides -------------------===//

#include "AttentionHeads.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/Builders.h"

#include <numeric>

using namespace mlir;
using namespace mlir::ds;

namespace {

/// Head counts of one attention: query heads, key/value heads, and what
/// they become.
struct HeadPlan {
  int64_t queryHeads, kvHeads;
  /// Times each key/value head is repeated.
  int64_t repeat = 1;
  /// Query heads after padding; key/value heads are padded alike only when
  /// the query heads are (they are then repeated to one per query head).
  int64_t paddedHeads = 0;
  bool needed() const { return repeat > 1 || paddedHeads > queryHeads; }
  /// Key/value heads after repeating and padding: query head `h` still sees
  /// key/value head `h / (Hq / Hkv)` of the original heads.
  int64_t kvHeadsAfter() const {
    return paddedHeads > queryHeads ? paddedHeads : kvHeads * repeat;
  }
};

HeadPlan planHeads(RankedTensorType query, RankedTensorType key, int64_t sp) {
  HeadPlan plan{query.getDimSize(1), key.getDimSize(1)};
  plan.paddedHeads = plan.queryHeads;
  if (plan.kvHeads % sp == 0 && plan.queryHeads % sp == 0)
    return plan;
  if (plan.queryHeads % sp == 0) {
    plan.repeat = sp / std::gcd(plan.kvHeads, sp);
    return plan;
  }
  plan.repeat = plan.queryHeads / plan.kvHeads;
  plan.paddedHeads = llvm::divideCeil(plan.queryHeads, sp) * sp;
  return plan;
}

class HeadRewriter {
public:
  HeadRewriter(OpBuilder &builder, Location loc, const HeadPlan &plan)
      : builder(builder), loc(loc), plan(plan) {}

  /// [B, Hkv, S, D] -> [B, Hkv·r (padded), S, D], once per value.
  Value keyValue(Value v, DenseMap<Value, Value> &done) {
    Value &out = done[v];
    if (!out)
      out = padHeads(repeatHeads(v), plan.kvHeadsAfter());
    return out;
  }
  /// [B, Hq, S, D] -> [B, Hq (padded), S, D], once per value.
  Value query(Value v, DenseMap<Value, Value> &done) {
    Value &out = done[v];
    if (!out)
      out = padHeads(v, plan.paddedHeads);
    return out;
  }
  /// A bias with a head per query head gets zero heads where the query
  /// does; one broadcast over the heads stays as it is. Once per value.
  Value bias(Value v, DenseMap<Value, Value> &done) {
    if (!v || cast<RankedTensorType>(v.getType()).getDimSize(1) == 1)
      return v;
    Value &out = done[v];
    if (!out)
      out = padHeads(v, plan.paddedHeads);
    return out;
  }
  /// Sinks [Hq] get a zero logit for each padded query head. Once per value.
  Value sinks(Value v, DenseMap<Value, Value> &done) {
    if (!v)
      return v;
    Value &out = done[v];
    if (!out)
      out = padHeads(v, plan.paddedHeads, /*dim=*/0);
    return out;
  }
  /// The gradient of sinks(): back to [Hq].
  Value sinksGrad(Value grad) {
    return cutHeads(grad, plan.queryHeads, /*dim=*/0);
  }
  /// The gradient of keyValue(): back to [B, Hkv, S, D].
  Value keyValueGrad(Value grad) {
    grad = cutHeads(grad, plan.kvHeads * plan.repeat);
    if (plan.repeat == 1)
      return grad;
    auto type = cast<RankedTensorType>(grad.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[1] = plan.kvHeads;
    shape.insert(shape.begin() + 2, plan.repeat);
    Value grouped = ReshapeOp::create(builder, loc, type.clone(shape), grad);
    return SumOp::create(builder, loc, grouped,
                         builder.getDenseI64ArrayAttr({2}), false);
  }
  /// Cuts padded query heads off.
  Value queryResult(Value v) { return cutHeads(v, plan.queryHeads); }

private:
  Value repeatHeads(Value v) {
    if (plan.repeat == 1)
      return v;
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + 2, 1);
    Value grouped = ReshapeOp::create(builder, loc, type.clone(shape), v);
    shape[2] = plan.repeat;
    Value repeated =
        BroadcastOp::create(builder, loc, type.clone(shape), grouped);
    SmallVector<int64_t> merged(type.getShape());
    merged[1] *= plan.repeat;
    return ReshapeOp::create(builder, loc, type.clone(merged), repeated);
  }
  Value padHeads(Value v, int64_t heads, int64_t dim = 1) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getDimSize(dim) == heads)
      return v;
    SmallVector<int64_t> shape(type.getShape());
    shape[dim] = heads;
    SmallVector<int64_t> zeros(shape.size(), 0), ones(shape.size(), 1);
    return PadOp::create(builder, loc, type.clone(shape), v, zeros, ones);
  }
  Value cutHeads(Value v, int64_t heads, int64_t dim = 1) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getDimSize(dim) == heads)
      return v;
    SmallVector<int64_t> limits(type.getShape());
    limits[dim] = heads;
    SmallVector<int64_t> zeros(limits.size(), 0), ones(limits.size(), 1);
    return SliceOp::create(builder, loc, v, zeros, limits, ones);
  }

  OpBuilder &builder;
  Location loc;
  const HeadPlan &plan;
};

/// Calls `rewrite(op, heads)` at every `OpTy` (an attention or its
/// gradient) whose head counts `sp` does not divide, with the builder before
/// it.
template <typename OpTy, typename Fn>
void forEachUneven(func::FuncOp step, int64_t sp, OpBuilder &builder,
                   Fn rewrite) {
  step.walk([&](OpTy op) {
    HeadPlan plan =
        planHeads(op.getQuery().getType(), op.getKey().getType(), sp);
    if (!plan.needed())
      return;
    builder.setInsertionPoint(op);
    HeadRewriter heads(builder, op.getLoc(), plan);
    rewrite(op, heads);
    op.erase();
  });
}

} // namespace

void dsc::prepareAttentionHeads(func::FuncOp step, int64_t sp) {
  if (sp <= 1)
    return;
  OpBuilder builder(step.getContext());
  // Rewritten operands, shared by an attention and its gradient so that
  // they are moved once; the forward's output maps to the padded output.
  DenseMap<Value, Value> queries, keyValues, biases, sinks;
  forEachUneven<AttentionOp>(
      step, sp, builder, [&](AttentionOp op, HeadRewriter &heads) {
        Value result = AttentionOp::create(
            builder, op.getLoc(), heads.query(op.getQuery(), queries),
            heads.keyValue(op.getKey(), keyValues),
            heads.keyValue(op.getValue(), keyValues),
            heads.bias(op.getBias(), biases), heads.sinks(op.getSinks(), sinks),
            op.getCausalAttr(), op.getWindowAttr(), op.getKeyLengthAttr(),
            op.getScaleAttr(), op.getSoftcapAttr(), op.getFillAttr(),
            op.getBiasGradAttr());
        Value real = heads.queryResult(result);
        op.replaceAllUsesWith(real);
        queries[real] = result;
      });
  forEachUneven<AttentionGradOp>(
      step, sp, builder, [&](AttentionGradOp op, HeadRewriter &heads) {
        Value query = heads.query(op.getQuery(), queries);
        Value key = heads.keyValue(op.getKey(), keyValues);
        Value value = heads.keyValue(op.getValue(), keyValues);
        Value bias = heads.bias(op.getBias(), biases);
        Value sink = heads.sinks(op.getSinks(), sinks);
        auto grad = AttentionGradOp::create(
            builder, op.getLoc(), query.getType(), key.getType(),
            value.getType(), op.getGradBias() ? bias.getType() : Type(),
            sink ? sink.getType() : Type(), query, key, value,
            heads.query(op.getOutput(), queries),
            heads.query(op.getGradOutput(), queries), bias, sink,
            op.getCausalAttr(), op.getWindowAttr(), op.getKeyLengthAttr(),
            op.getScaleAttr(), op.getSoftcapAttr(), op.getFillAttr());
        if (sink)
          op.getGradSinks().replaceAllUsesWith(
              heads.sinksGrad(grad.getGradSinks()));
        // A bias with a head per query head was padded with them.
        if (op.getGradBias())
          op.getGradBias().replaceAllUsesWith(
              bias == op.getBias() ? grad.getGradBias()
                                   : heads.queryResult(grad.getGradBias()));
        op.getGradQuery().replaceAllUsesWith(
            heads.queryResult(grad.getGradQuery()));
        op.getGradKey().replaceAllUsesWith(
            heads.keyValueGrad(grad.getGradKey()));
        op.getGradValue().replaceAllUsesWith(
            heads.keyValueGrad(grad.getGradValue()));
      });
}
