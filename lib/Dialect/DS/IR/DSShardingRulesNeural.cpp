//===- DSShardingRulesNeural.cpp - sharding rules of layers and losses ----===//
//
// The rules of products, reductions, softmax, norms, embedding, attention
// and the loss, forward and backward. What sequence parallelism needs from
// them: batch and sequence (position) factors pass through every op but
// attention, which needs its whole sequence, so that propagation reshards to
// heads around it; the reductions over positions (parameter gradients, the
// loss) are reduction factors, so that propagation knows to complete them.
// See DSShardingRules.cpp for the conventions.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::ds;

namespace {
using TensorFactors = SmallVector<SmallVector<int64_t, 2>>;

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

/// Adds one factor of `kind` per size in `shape`; returns them as the
/// factors of a tensor of that shape.
TensorFactors addFactors(ShardingRule &rule, ArrayRef<int64_t> shape,
                         FactorKind kind = FactorKind::PassThrough) {
  TensorFactors dims;
  for (int64_t size : shape)
    dims.push_back({rule.addFactor(size, kind)});
  return dims;
}

/// `leading` followed by the single factor `last`.
TensorFactors append(TensorFactors leading, int64_t last) {
  leading.push_back({last});
  return leading;
}

/// The rule of an op reducing `input` over `dims` with `kind`.
ShardingRule reductionRule(Value input, ArrayRef<int64_t> dims, bool keepdim,
                           FactorKind kind) {
  ShardingRule rule;
  TensorFactors &operand = rule.operandDims.emplace_back();
  TensorFactors &result = rule.resultDims.emplace_back();
  for (auto [d, size] : llvm::enumerate(shapeOf(input))) {
    bool reduced = llvm::is_contained(dims, static_cast<int64_t>(d));
    int64_t factor =
        rule.addFactor(size, reduced ? kind : FactorKind::PassThrough);
    operand.push_back({factor});
    if (!reduced)
      result.push_back({factor});
    else if (keepdim)
      result.emplace_back();
  }
  return rule;
}

/// The rule of an op whose operands and results all have one shape and that
/// needs dimension `dim` whole (softmax and its gradient).
ShardingRule replicatedDimRule(Operation *op, int64_t dim) {
  ShardingRule rule;
  TensorFactors dims;
  for (auto [d, size] : llvm::enumerate(shapeOf(op->getResult(0))))
    dims.push_back({rule.addFactor(size, static_cast<int64_t>(d) == dim
                                             ? FactorKind::NeedReplication
                                             : FactorKind::PassThrough)});
  rule.operandDims.assign(op->getNumOperands(), dims);
  rule.resultDims.assign(op->getNumResults(), dims);
  return rule;
}

/// The rule of a normalisation over the last dimension of `input` [..., D],
/// forward or backward: the tensors of `input`'s rank are [..., D], the
/// others (weight, bias and their gradients) [D]. D needs replication; the
/// leading factors have `leadingKind`: pass-through forward, a sum backward,
/// where the parameter gradients add up over all positions.
ShardingRule normRule(Operation *op, Value input, FactorKind leadingKind) {
  ShardingRule rule;
  ArrayRef<int64_t> shape = shapeOf(input);
  TensorFactors full = addFactors(rule, shape.drop_back(), leadingKind);
  int64_t features = rule.addFactor(shape.back(), FactorKind::NeedReplication);
  full.push_back({features});
  auto factorsOf = [&](Value value) -> TensorFactors {
    if (shapeOf(value).size() == shape.size())
      return full;
    return {{features}};
  };
  for (Value operand : op->getOperands())
    rule.operandDims.push_back(factorsOf(operand));
  for (Value result : op->getResults())
    rule.resultDims.push_back(factorsOf(result));
  return rule;
}

/// The factors of attention's tensors: `query` [B, Hq, S, D], `key`
/// [B, Hkv, Skv, D], `value` [B, Hkv, Skv, Dv]; the output and its gradient
/// are [B, Hq, S, Dv]. Query head `h` is key/value head `h / (Hq / Hkv)`, so
/// the query head dimension is [hkv, rep] and the key/value one [hkv]
/// (just [hkv] without grouping). `repKind` is the kind of `rep`.
struct AttentionFactors {
  /// With `biasGradient`, the bias's gradient is a result: it sums over the
  /// batch and heads where the bias broadcasts them. With `sinksGradient`,
  /// the sinks' [Hq] gradient is one: it sums over the batch (and the
  /// query rows, which the rule never splits).
  AttentionFactors(ShardingRule &rule, Value query, Value key, Value value,
                   Value bias, FactorKind repKind, bool biasGradient = false,
                   bool sinksGradient = false) {
    ArrayRef<int64_t> q = shapeOf(query), k = shapeOf(key), v = shapeOf(value);
    auto kindOf = [&](size_t dim, int64_t full) {
      return biasGradient && shapeOf(bias)[dim] != full
                 ? FactorKind::ReductionSum
                 : FactorKind::PassThrough;
    };
    int64_t b = rule.addFactor(q[0], sinksGradient ? FactorKind::ReductionSum
                                                   : kindOf(0, q[0]));
    int64_t hkv = rule.addFactor(k[1], kindOf(1, q[1]));
    SmallVector<int64_t, 2> queryHeads = {hkv};
    if (k[1] > 0 && q[1] / k[1] != 1)
      queryHeads.push_back(rule.addFactor(q[1] / k[1], repKind));
    // The softmax runs over the keys and, with `causal`, position `i` sees
    // keys `j <= i` by global index: neither sequence can be split locally.
    // The head dimension is not split either: the scores contract it.
    int64_t s = rule.addFactor(q[2], FactorKind::NeedReplication);
    int64_t skv = rule.addFactor(k[2], FactorKind::NeedReplication);
    int64_t d = rule.addFactor(q[3], FactorKind::NeedReplication);
    int64_t dv = rule.addFactor(v[3], FactorKind::NeedReplication);
    sequences = {s, skv};
    // Ulysses: an axis that split a sequence goes to the heads.
    rule.moveTargets.append(queryHeads.begin(), queryHeads.end());
    this->query = {{b}, queryHeads, {s}, {d}};
    this->key = {{b}, {hkv}, {skv}, {d}};
    this->value = {{b}, {hkv}, {skv}, {dv}};
    output = {{b}, queryHeads, {s}, {dv}};
    sinks = {queryHeads};
    // The bias has the scores' factors [B, Hq, S, Skv] where it does not
    // broadcast.
    if (bias) {
      TensorFactors scores = {{b}, queryHeads, {s}, {skv}};
      SmallVector<int64_t, 4> full = {q[0], q[1], q[2], k[2]};
      for (auto [d, size] : llvm::enumerate(shapeOf(bias)))
        this->bias.push_back(size == full[d] ? scores[d]
                                             : SmallVector<int64_t, 2>());
    }
  }
  TensorFactors query, key, value, output, bias, sinks;
  /// The query and key sequence factors.
  SmallVector<int64_t> sequences;
};

/// The rule of the loss or its gradient: `logits` [..., C] and `labels`
/// [...]; positions have `positionKind`, classes need replication.
struct LossFactors {
  LossFactors(ShardingRule &rule, Value labels, int64_t numClasses,
              FactorKind positionKind)
      : positions(addFactors(rule, shapeOf(labels), positionKind)) {
    logits = append(positions,
                    rule.addFactor(numClasses, FactorKind::NeedReplication));
  }
  TensorFactors positions, logits;
};
} // namespace

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

ShardingRule MatmulOp::getShardingRule() {
  ShardingRule rule;
  ArrayRef<int64_t> lhs = shapeOf(getLhs()), rhs = shapeOf(getRhs());
  ArrayRef<int64_t> result = shapeOf(getResult());
  size_t batchRank = result.size() - 2;
  TensorFactors resultDims = addFactors(rule, result.take_front(batchRank));
  int64_t m = rule.addFactor(result[batchRank]);
  int64_t n = rule.addFactor(result[batchRank + 1]);
  int64_t k =
      rule.addFactor(getTransposeLhs() ? lhs[lhs.size() - 2] : lhs.back(),
                     FactorKind::ReductionSum);
  // Batch dimensions broadcast like elementwise operands do.
  auto operandDims = [&](ArrayRef<int64_t> shape, int64_t row, int64_t col,
                         bool transposed) {
    TensorFactors dims;
    size_t offset = batchRank - (shape.size() - 2);
    for (auto [d, size] : llvm::enumerate(shape.drop_back(2))) {
      if (size == result[offset + d])
        dims.push_back(resultDims[offset + d]);
      else
        dims.emplace_back();
    }
    if (transposed)
      std::swap(row, col);
    dims.push_back({row});
    dims.push_back({col});
    return dims;
  };
  rule.operandDims.push_back(operandDims(lhs, m, k, getTransposeLhs()));
  rule.operandDims.push_back(operandDims(rhs, k, n, getTransposeRhs()));
  resultDims.push_back({m});
  resultDims.push_back({n});
  rule.resultDims.push_back(std::move(resultDims));
  return rule;
}

bool MatmulOp::accumulatesInFloat32(unsigned) { return true; }

ShardingRule LinearOp::getShardingRule() {
  ShardingRule rule;
  ArrayRef<int64_t> input = shapeOf(getInput());
  ArrayRef<int64_t> weight = shapeOf(getWeight());
  TensorFactors leading = addFactors(rule, input.drop_back());
  // Split over `in`, each rank's product is a partial sum; the bias must be
  // added once, after the sum, which no factor kind expresses: with a bias,
  // `in` stays whole.
  int64_t in =
      rule.addFactor(input.back(), getBias() ? FactorKind::NeedReplication
                                             : FactorKind::ReductionSum);
  int64_t out = rule.addFactor(weight[0]);
  rule.operandDims.push_back(append(leading, in));
  rule.operandDims.push_back({{out}, {in}});
  if (getBias())
    rule.operandDims.push_back({{out}});
  rule.resultDims.push_back(append(leading, out));
  return rule;
}

bool LinearOp::accumulatesInFloat32(unsigned) { return true; }

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

ShardingRule SumOp::getShardingRule() {
  return reductionRule(getInput(), getDims(), getKeepdim(),
                       FactorKind::ReductionSum);
}

ShardingRule MeanOp::getShardingRule() {
  return reductionRule(getInput(), getDims(), getKeepdim(),
                       FactorKind::ReductionMean);
}

ShardingRule MaxOp::getShardingRule() {
  return reductionRule(getInput(), getDims(), getKeepdim(),
                       FactorKind::ReductionMax);
}

// Sums and means accumulate in float32 (ATen's half-type kernels round
// their float accumulator once); a maximum rounds nothing.
bool SumOp::accumulatesInFloat32(unsigned) { return true; }
bool MeanOp::accumulatesInFloat32(unsigned) { return true; }
bool MaxOp::accumulatesInFloat32(unsigned) { return false; }

//===----------------------------------------------------------------------===//
// Softmax and normalisations
//===----------------------------------------------------------------------===//

ShardingRule SoftmaxOp::getShardingRule() {
  return replicatedDimRule(*this, getDim());
}

ShardingRule CumsumOp::getShardingRule() {
  return replicatedDimRule(*this, getDim());
}

ShardingRule LogSoftmaxOp::getShardingRule() {
  return replicatedDimRule(*this, getDim());
}

ShardingRule SoftmaxGradOp::getShardingRule() {
  return replicatedDimRule(*this, getDim());
}

ShardingRule LogSoftmaxGradOp::getShardingRule() {
  return replicatedDimRule(*this, getDim());
}

ShardingRule LayerNormOp::getShardingRule() {
  return normRule(*this, getInput(), FactorKind::PassThrough);
}

ShardingRule RmsNormOp::getShardingRule() {
  return normRule(*this, getInput(), FactorKind::PassThrough);
}

ShardingRule LayerNormGradOp::getShardingRule() {
  return normRule(*this, getInput(), FactorKind::ReductionSum);
}

ShardingRule RmsNormGradOp::getShardingRule() {
  return normRule(*this, getInput(), FactorKind::ReductionSum);
}

// The weight's gradient, a sum over the leading dimensions of the rounded
// products (Gradient.cpp). Not layer_norm_grad's: ATen's half-type kernel
// that it runs rounds its weight gradient's sums as it goes (2.8% from a
// float32 sum of 256 rows), with no float32 accumulator to keep.
bool RmsNormGradOp::accumulatesInFloat32(unsigned index) { return index > 0; }

//===----------------------------------------------------------------------===//
// Embedding
//===----------------------------------------------------------------------===//

// A row lookup needs the whole table on every rank: a split vocabulary would
// need masked lookups and a sum, which the rule does not describe.
ShardingRule EmbeddingOp::getShardingRule() {
  ShardingRule rule;
  ArrayRef<int64_t> weight = shapeOf(getWeight());
  int64_t vocabulary = rule.addFactor(weight[0], FactorKind::NeedReplication);
  int64_t features = rule.addFactor(weight[1]);
  TensorFactors positions = addFactors(rule, shapeOf(getIndices()));
  rule.operandDims.push_back({{vocabulary}, {features}});
  rule.operandDims.push_back(positions);
  rule.resultDims.push_back(append(positions, features));
  return rule;
}

// The table gradient adds up the rows of all positions: a sum over them.
ShardingRule EmbeddingGradOp::getShardingRule() {
  ShardingRule rule;
  ArrayRef<int64_t> result = shapeOf(getResult());
  TensorFactors positions =
      addFactors(rule, shapeOf(getIndices()), FactorKind::ReductionSum);
  int64_t vocabulary = rule.addFactor(result[0], FactorKind::NeedReplication);
  int64_t features = rule.addFactor(result[1]);
  rule.operandDims.push_back(positions);
  rule.operandDims.push_back(append(positions, features));
  rule.resultDims.push_back({{vocabulary}, {features}});
  return rule;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

namespace {
/// The rule of an attention or its gradient. Padding at the end of the
/// sequences (sequence parallelism on a length sp does not divide) never
/// reaches real positions when it is causal, or when its keys are masked (the
/// key length), and its queries are independent rows; q, k and v are zeroed
/// there all the same, since a weight of 0 on a non-finite value would still
/// poison the real rows, and the output gradient is zero there. Backward, the
/// padded query rows then add nothing to the key and value gradients of real
/// positions (their rows of dP and of rowsum(dO * O) are zero), so the
/// forward's output is reused as it is.
template <typename OpTy> ShardingRule attentionRule(OpTy op) {
  constexpr bool backward = std::is_same_v<OpTy, AttentionGradOp>;
  ShardingRule rule;
  // Backward, the key/value gradients sum over the query heads of a group.
  bool biasGradient = false;
  if constexpr (backward)
    biasGradient = static_cast<bool>(op.getGradBias());
  AttentionFactors factors(
      rule, op.getQuery(), op.getKey(), op.getValue(), op.getBias(),
      backward ? FactorKind::ReductionSum : FactorKind::PassThrough,
      biasGradient, backward && op.getSinks());
  rule.operandDims = {factors.query, factors.key, factors.value};
  rule.paddingValues = {0.0, 0.0, 0.0};
  rule.resultDims = {factors.output};
  if (backward) {
    // The forward's output as it is, and a zero output gradient.
    rule.operandDims.append({factors.output, factors.output});
    rule.paddingValues.append({std::nullopt, 0.0});
    rule.resultDims = {factors.query, factors.key, factors.value};
  }
  if (op.getBias()) {
    rule.operandDims.push_back(factors.bias);
    rule.paddingValues.push_back(0.0);
  }
  if (op.getSinks()) {
    rule.operandDims.push_back(factors.sinks);
    rule.paddingValues.push_back(0.0);
  }
  // The bias's gradient: zero at padded queries and keys (their output
  // gradient is zero, their probabilities are), cut off like any result.
  // The sinks' gets nothing from padded query rows (zero output gradient).
  if (biasGradient)
    rule.resultDims.push_back(factors.bias);
  if (backward && op.getSinks())
    rule.resultDims.push_back(factors.sinks);
  rule.paddableFactors = {factors.sequences[0]};
  if (op.getCausal()) {
    rule.paddableFactors.push_back(factors.sequences[1]);
    // Causal attention is square: queries padded through one path (the
    // labels' gradient) and keys not (tokens shifted right, the padding cut
    // by the slice) are padded alike.
    rule.equalFactors.push_back({factors.sequences[0], factors.sequences[1]});
  } else
    rule.maskableFactors = {factors.sequences[1]};
  return rule;
}

/// Records the real key length of an attention whose keys were padded.
template <typename OpTy>
void maskAttentionPadding(OpTy op, int64_t factor, int64_t realSize) {
  ShardingRule rule = op.getShardingRule();
  if (!llvm::is_contained(rule.maskableFactors, factor))
    return;
  int64_t length = realSize;
  if (std::optional<int64_t> current = op.getKeyLength())
    length = std::min(length, *current);
  op.setKeyLength(length);
}
} // namespace

ShardingRule AttentionOp::getShardingRule() { return attentionRule(*this); }

void AttentionOp::maskPadding(int64_t factor, int64_t realSize) {
  maskAttentionPadding(*this, factor, realSize);
}

ShardingRule AttentionGradOp::getShardingRule() { return attentionRule(*this); }

void AttentionGradOp::maskPadding(int64_t factor, int64_t realSize) {
  maskAttentionPadding(*this, factor, realSize);
}

//===----------------------------------------------------------------------===//
// Loss
//===----------------------------------------------------------------------===//

// The loss adds up or averages over positions. The mean form equals the
// mean of per-shard means only when the shards count equally many positions
// that are not ignored, so distributed steps use the sum form, which is
// exact.
ShardingRule CrossEntropyOp::getShardingRule() {
  ShardingRule rule;
  LossFactors factors(rule, getLabels(), shapeOf(getLogits()).back(),
                      getSum() ? FactorKind::ReductionSum
                               : FactorKind::ReductionMean);
  rule.operandDims = {factors.logits, factors.positions};
  rule.resultDims.emplace_back();
  // Padded positions are ignored, in the sum and in the mean's count.
  rule.paddingValues = {std::nullopt, static_cast<double>(static_cast<int64_t>(
                                          getIgnoreIndex()))};
  return rule;
}

// Each position's gradient needs only its own logits and label and the 0-d
// `grad_loss`. That is exact on any shard in the sum form; the mean form
// divides by the count of the positions it sees, which is why distributed
// steps use the sum form.
ShardingRule CrossEntropyGradOp::getShardingRule() {
  ShardingRule rule;
  LossFactors factors(rule, getLabels(), shapeOf(getLogits()).back(),
                      FactorKind::PassThrough);
  rule.operandDims = {factors.logits, factors.positions, TensorFactors()};
  rule.resultDims = {factors.logits};
  rule.paddingValues = {std::nullopt, static_cast<double>(static_cast<int64_t>(
                                          getIgnoreIndex()))};
  return rule;
}
