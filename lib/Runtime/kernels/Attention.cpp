//===- Attention.cpp - attention's fused and composite forms --------------===//
//
// What the attention kernels (Neural.cpp, Gradient.cpp) compute with:
// the operand checks, ATen's fused kernels (flash attention on the CPU,
// memory-efficient attention on CUDA) with the rows they get wrong
// computed in the composite form, the composite form where no fused kernel
// applies, and the composite form in blocks of rows for what the fused
// kernels cannot compute (soft-capping, a bias's gradient, sinks). The
// composite forms compute half types in float32 and round each result
// once, as PyTorch's math SDPA does (the backend it picks where its fused
// kernels do not apply: a mask that needs a gradient, T5's relative bias).
//
//===----------------------------------------------------------------------===//

#include "ATenKernel.h"

#include "dsc/Runtime/PlanMemory.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

#include <cmath>
#include <limits>
#include <optional>

using namespace dsc::rt;
using namespace dsc::rt::kernels;
using llvm::Twine;

llvm::Expected<std::vector<int64_t>>
dsc::rt::kernels::checkAttentionOperands(const CheckArgs &args,
                                         size_t biasOperand) {
  const TensorDesc &q = *args.operands[0], &k = *args.operands[1],
                   &v = *args.operands[2];
  auto causal = readFlag(args.inst, "causal");
  if (!causal)
    return causal.takeError();
  auto scale = readDouble(args.inst, "scale");
  if (!scale)
    return scale.takeError();
  if (!(*scale > 0))
    return checkError("attribute 'scale' must be positive, got " +
                      numberString(*scale));
  if (llvm::Error err = expectFloat(q, "query"))
    return std::move(err);
  for (auto [desc, what] :
       {std::make_pair(&q, "query"), std::make_pair(&k, "key"),
        std::make_pair(&v, "value")}) {
    if (llvm::Error err = expectRank(*desc, 4, what))
      return std::move(err);
    if (llvm::Error err = expectDType(*desc, q.dtype, what))
      return std::move(err);
  }
  const auto &qs = q.shape, &ks = k.shape, &vs = v.shape;
  if (ks[0] != qs[0] || vs[0] != qs[0])
    return checkError("batch sizes differ: query " + typeString(q) + ", key " +
                      typeString(k) + ", value " + typeString(v));
  if (vs[1] != ks[1] || vs[2] != ks[2])
    return checkError("key " + typeString(k) + " and value " + typeString(v) +
                      " differ in heads or length");
  if (ks[3] != qs[3])
    return checkError("query " + typeString(q) + " and key " + typeString(k) +
                      " differ in the head dimension");
  if (ks[1] <= 0 || qs[1] % ks[1] != 0)
    return checkError("query heads (" + Twine(qs[1]) +
                      ") are not a multiple of key/value heads (" +
                      Twine(ks[1]) + ")");
  if (*causal && qs[2] != ks[2])
    return checkError("causal attention needs query length " + Twine(qs[2]) +
                      " to equal key length " + Twine(ks[2]));
  if (args.inst.has("window")) {
    auto window = readInt(args.inst, "window");
    if (!window)
      return window.takeError();
    if (*window < 1 || !*causal)
      return checkError("attribute 'window' must be at least 1 and needs "
                        "'causal', got " +
                        Twine(*window));
  }
  if (args.inst.has("softcap")) {
    auto softcap = readDouble(args.inst, "softcap");
    if (!softcap)
      return softcap.takeError();
    if (!(*softcap > 0) || !std::isfinite(*softcap))
      return checkError("attribute 'softcap' must be positive and finite, "
                        "got " +
                        numberString(*softcap));
  }
  if (args.inst.has("key_length")) {
    auto length = readInt(args.inst, "key_length");
    if (!length)
      return length.takeError();
    if (*length < 1 || *length > ks[2])
      return checkError("attribute 'key_length' must lie in [1, " +
                        Twine(ks[2]) + "], got " + Twine(*length));
  }
  AttentionOperands where = attentionOperands(args.inst, biasOperand);
  if (args.inst.has("fill")) {
    auto fill = readDouble(args.inst, "fill");
    if (!fill)
      return fill.takeError();
    if (!std::isfinite(*fill) || where.bias < 0)
      return checkError("attribute 'fill' must be finite and needs a bias, "
                        "got " +
                        numberString(*fill));
  }
  if (where.sinks >= 0) {
    const TensorDesc &sinks = *args.operands[where.sinks];
    if (llvm::Error err = expectType(sinks, q.dtype, {qs[1]}, "sinks"))
      return std::move(err);
  }
  if (where.bias >= 0) {
    const TensorDesc &bias = *args.operands[where.bias];
    std::vector<int64_t> scores = {qs[0], qs[1], qs[2], ks[2]};
    if (llvm::Error err = expectRank(bias, 4, "bias"))
      return std::move(err);
    if (llvm::Error err = expectDType(bias, q.dtype, "bias"))
      return std::move(err);
    for (auto [size, full] : llvm::zip(bias.shape, scores))
      if (size != 1 && size != full)
        return checkError("bias " + typeString(bias) +
                          " does not broadcast to the scores " +
                          typeString(q.dtype, scores));
  }
  return std::vector<int64_t>{qs[0], qs[1], qs[2], vs[3]};
}

AttentionOptions dsc::rt::kernels::attentionOptions(const KernelArgs &args,
                                                    size_t biasOperand) {
  AttentionOptions options;
  options.scale = args.inst.getDouble("scale");
  options.causal = args.inst.getInt("causal") != 0;
  options.window = args.inst.getInt("window", 0);
  options.keyLength = args.inst.getInt("key_length", -1);
  options.softcap = args.inst.getDouble("softcap", 0.0);
  if (args.inst.has("fill"))
    options.fill = args.inst.getDouble("fill");
  AttentionOperands where = attentionOperands(args.inst, biasOperand);
  if (where.bias >= 0)
    options.bias = args.operand(where.bias);
  if (where.sinks >= 0)
    options.sinks = args.operand(where.sinks);
  return options;
}

namespace {

/// The keys each query may not see, [S, Skv] booleans: future keys (with
/// `causal`), keys beyond the window, padded keys; undefined when none is.
/// With `rows` (indices), only those queries': [R, Skv].
at::Tensor maskedKeys(const at::Tensor &query, int64_t s, int64_t skv,
                      const AttentionOptions &options, bool causal,
                      const at::Tensor &rows = {}) {
  if (!causal && options.window <= 0 && options.keyLength < 0)
    return {};
  at::TensorOptions indices = query.options().dtype(at::kLong);
  at::Tensor i = (rows.defined() ? rows : at::arange(s, indices)).unsqueeze(1);
  at::Tensor j = at::arange(skv, indices).unsqueeze(0);
  at::Tensor masked =
      at::zeros({i.size(0), skv}, query.options().dtype(at::kBool));
  if (causal)
    masked.logical_or_(j > i);
  if (options.window > 0)
    masked.logical_or_(j <= i - options.window);
  if (options.keyLength >= 0)
    masked.logical_or_(j >= options.keyLength);
  return masked;
}

/// The fused kernel's additive mask: the window and key length as -inf
/// (causality is its own flag), plus the bias; undefined when neither.
at::Tensor fusedAttentionMask(const at::Tensor &query, const at::Tensor &key,
                              const AttentionOptions &options) {
  at::Tensor masked = maskedKeys(query, query.size(2), key.size(2), options,
                                 /*causal=*/false);
  if (!masked.defined())
    return options.bias.defined() ? options.bias.contiguous() : at::Tensor();
  at::Tensor mask =
      at::zeros({1, 1, query.size(2), key.size(2)}, query.options())
          .masked_fill_(masked, -std::numeric_limits<double>::infinity());
  return options.bias.defined() ? mask + options.bias : mask;
}

/// A query row whose every score is below this (every key masked, or
/// biased as far down: HF's finfo.min padding rows) is one the fused
/// kernels get wrong. They keep the row's log-sum-exp m + log(l), in which
/// m (the bias, -3.4e38) swallows log(l): the backward's probabilities
/// exp(s - lse) come out 1 instead of 1/Skv. Eager attention's softmax
/// subtracts the maximum first and does not. Below -16, log(l)'s last bit
/// is already 2e-6 of a probability. A row of -inf scores only is zero
/// (safeSoftmax), as in PyTorch's SDPA.
constexpr double kSaturatedScore = -16;

/// The additive mask a fused kernel gets, and the query rows it must not
/// compute (saturatedRows).
struct FusedMask {
  at::Tensor mask;
  /// Indices into the query's rows; undefined when none.
  at::Tensor rows;
};

/// fusedAttentionMask, and the query rows where, for some batch and head,
/// every key is masked or biased below kSaturatedScore. Those rows are
/// unmasked in the fused kernel's mask (its results there are replaced by
/// the composite form's, patchRowsForward/Backward), so that it computes
/// only finite, well-scaled rows.
FusedMask fusedMask(const at::Tensor &query, const at::Tensor &key,
                    const AttentionOptions &options) {
  FusedMask fused{fusedAttentionMask(query, key, options), at::Tensor()};
  if (!fused.mask.defined())
    return fused;
  int64_t s = query.size(2), skv = key.size(2);
  at::Tensor limit = fused.mask;
  if (options.causal)
    limit = limit.masked_fill(maskedKeys(query, s, skv, options, true),
                              -std::numeric_limits<double>::infinity());
  at::Tensor saturated = limit.amax(-1).lt(kSaturatedScore);
  saturated = saturated.reshape({-1, saturated.size(-1)}).any(0);
  if (!saturated.any().item<bool>())
    return fused;
  fused.rows = saturated.size(0) == 1
                   ? at::arange(s, query.options().dtype(at::kLong))
                   : saturated.nonzero().squeeze(1);
  at::Tensor mask = fused.mask;
  while (mask.dim() < 4)
    mask = mask.unsqueeze(0);
  std::vector<int64_t> shape(mask.sizes().begin(), mask.sizes().end());
  shape[2] = s;
  fused.mask = mask.expand(shape).clone();
  fused.mask.index_fill_(2, fused.rows, 0);
  return fused;
}

/// The softmax of `scores` over its last dimension, with rows whose every
/// score is -inf (a query that may see no key) all zero rather than NaN:
/// PyTorch's SDPA (its `_safe_softmax`), whose output there is zero and
/// passes no gradient, as the fused kernels do.
at::Tensor safeSoftmax(const at::Tensor &scores) {
  at::Tensor probs = at::_softmax(scores, -1, /*half_to_float=*/false);
  at::Tensor unseen =
      scores.eq(-std::numeric_limits<double>::infinity()).all(-1, true);
  return probs.masked_fill_(unseen, 0);
}

/// What rowProbs leaves for the backward of its rows.
struct RowState {
  /// tanh(s / softcap), with a soft-cap.
  at::Tensor capped;
  /// The sinks' probabilities [B, Hkv, G*R, 1], with sinks (the rows'
  /// keys' sum to one minus them).
  at::Tensor sinkProbs;
  /// Where the bias is -inf, broadcasting to [B, Hq, R, Skv], with a fill:
  /// the scores there are the fill and get no gradient.
  at::Tensor filled;
};

/// attentionProbs of query rows `rows` only: [B, Hkv, G*R, Skv]; with
/// `state`, what their backward needs.
at::Tensor rowProbs(const at::Tensor &query, const at::Tensor &key,
                    const AttentionOptions &options, const at::Tensor &rows,
                    RowState *state = nullptr) {
  int64_t b = query.size(0), hq = query.size(1), s = query.size(2),
          d = query.size(3);
  int64_t hkv = key.size(1), skv = key.size(2), g = hq / hkv;
  int64_t r = rows.numel();
  at::Tensor scores =
      at::matmul(query.index_select(2, rows).reshape({b, hkv, g * r, d}),
                 key.transpose(-1, -2))
          .mul_(options.scale);
  if (options.softcap > 0) {
    scores.div_(options.softcap).tanh_();
    if (state)
      state->capped = scores.clone();
    scores.mul_(options.softcap);
  }
  if (at::Tensor bias = options.bias; bias.defined()) {
    if (bias.dim() >= 2 && bias.size(-2) == s)
      bias = bias.index_select(bias.dim() - 2, rows);
    at::Tensor rowScores = scores.view({b, hq, r, skv});
    rowScores.add_(bias);
    // Before the causal, window and key-length masks: they remove keys.
    if (options.fill) {
      at::Tensor filled = bias.eq(-std::numeric_limits<double>::infinity());
      rowScores.masked_fill_(filled, *options.fill);
      if (state)
        state->filled = filled;
    }
  }
  if (at::Tensor masked =
          maskedKeys(query, s, skv, options, options.causal, rows);
      masked.defined())
    scores.view({b, hkv, g, r, skv})
        .masked_fill_(masked, -std::numeric_limits<double>::infinity());
  if (!options.sinks.defined())
    return safeSoftmax(scores);
  // Head kv * G + g's sink is a last column of its rows.
  at::Tensor sinks = options.sinks.reshape({1, hkv, g, 1, 1})
                         .expand({b, hkv, g, r, 1})
                         .reshape({b, hkv, g * r, 1});
  at::Tensor probs = safeSoftmax(at::cat({scores, sinks}, -1));
  if (state)
    state->sinkProbs = probs.narrow(-1, skv, 1);
  return probs.narrow(-1, 0, skv);
}

/// Calls `patch` on `rows` in blocks of saturatedRowBlock rows, so that
/// the composite form's [.., R, Skv] temporaries stay within the plan
/// however many rows the data saturates.
template <typename Patch>
void forEachRowBlock(const at::Tensor &query, const at::Tensor &key,
                     const at::Tensor &value, const at::Tensor &rows,
                     Patch patch) {
  int64_t block = saturatedRowBlock(query.size(2), key.size(2), value.size(3));
  for (int64_t start = 0, r = rows.numel(); start < r; start += block)
    patch(rows.narrow(0, start, std::min(block, r - start)));
}

/// Replaces rows `rows` of a fused kernel's output [B,Hq,S,Dv] with the
/// composite form's.
void patchRowsForward(at::Tensor &out, const at::Tensor &query,
                      const at::Tensor &key, const at::Tensor &value,
                      const AttentionOptions &options, const at::Tensor &rows) {
  forEachRowBlock(query, key, value, rows, [&](const at::Tensor &block) {
    at::Tensor probs = rowProbs(query, key, options, block);
    out.index_copy_(2, block,
                    at::matmul(probs, value)
                        .view({query.size(0), query.size(1), block.numel(),
                               value.size(3)}));
  });
}

/// The gradient a fused backward is given: `gradOut` with rows `rows`
/// zero, so that they add nothing to the key and value gradients.
at::Tensor withoutRows(const at::Tensor &gradOut, const at::Tensor &rows) {
  return rows.defined() ? gradOut.index_fill(2, rows, 0) : gradOut;
}

/// Adds to `gradBias` the gradient `dScores` [B, Hq, R, Skv] of query rows
/// `rows` (of `s`): summed over the dimensions the bias broadcasts, and
/// written at those rows where it has one per query row.
void addBiasGradient(at::Tensor &gradBias, const at::Tensor &dScores,
                     const at::Tensor &rows, int64_t s) {
  std::vector<int64_t> summed;
  for (int64_t dim = 0; dim < 4; ++dim)
    if (gradBias.size(dim) == 1 && dScores.size(dim) != 1)
      summed.push_back(dim);
  at::Tensor part =
      summed.empty() ? dScores : dScores.sum(summed, /*keepdim=*/true);
  if (gradBias.size(2) == s && s != 1)
    gradBias.index_copy_(2, rows, part);
  else
    gradBias.add_(part);
}

/// Adds to `gradSinks` [Hq] the sinks' gradient from a block of rows:
/// -sum over batch and rows of p_sink * rowsum(P * dP) (the sink's own dP
/// is zero: it has no value).
void addSinksGradient(at::Tensor &gradSinks, const at::Tensor &sinkProbs,
                      const at::Tensor &probs, const at::Tensor &dProbs,
                      int64_t g) {
  at::Tensor rowDot = (probs * dProbs).sum(-1, /*keepdim=*/true);
  at::Tensor part =
      (sinkProbs * rowDot).view({sinkProbs.size(0), sinkProbs.size(1), g, -1});
  gradSinks.sub_(part.sum(at::IntArrayRef{0, 3}).view({-1}));
}

/// Adds the composite form's gradients of rows `rows` to a fused
/// backward's, run on withoutRows(gradOut); with `gradBias` (zero, the
/// bias's shape), the bias's gradient of those rows too, and with
/// `gradSinks` (zero, [Hq]) the sinks'.
void patchRowsBackward(std::array<at::Tensor, 3> &grads,
                       const at::Tensor &gradOut, const at::Tensor &query,
                       const at::Tensor &key, const at::Tensor &value,
                       const AttentionOptions &options, const at::Tensor &rows,
                       at::Tensor *gradBias = nullptr,
                       at::Tensor *gradSinks = nullptr) {
  int64_t b = query.size(0), hq = query.size(1), d = query.size(3);
  int64_t hkv = key.size(1), g = hq / hkv;
  forEachRowBlock(query, key, value, rows, [&](const at::Tensor &block) {
    int64_t r = block.numel();
    RowState state;
    at::Tensor probs = rowProbs(query, key, options, block, &state);
    at::Tensor &capped = state.capped;
    at::Tensor dOut =
        gradOut.index_select(2, block).reshape({b, hkv, g * r, value.size(3)});
    grads[2].add_(at::matmul(probs.transpose(-1, -2), dOut));
    at::Tensor dProbs = at::matmul(dOut, value.transpose(-1, -2));
    if (gradSinks)
      addSinksGradient(*gradSinks, state.sinkProbs, probs, dProbs, g);
    at::Tensor dScores =
        at::_softmax_backward_data(dProbs, probs, -1, probs.scalar_type());
    dProbs.reset(); // not beside what follows (KernelWorkspace's peak)
    // A filled score is a constant: nothing flows back through it (a
    // row filled whole has uniform probabilities and a nonzero dScores).
    if (state.filled.defined())
      dScores.view({b, hq, r, key.size(2)}).masked_fill_(state.filled, 0);
    // The bias is added after the scale and the cap: its gradient is the
    // scores', summed where it broadcasts.
    if (gradBias)
      addBiasGradient(*gradBias, dScores.view({b, hq, r, key.size(2)}), block,
                      query.size(2));
    // Through the cap: d(c tanh(s / c)) / ds = 1 - tanh^2.
    if (capped.defined())
      dScores.mul_(capped.mul_(capped).neg_().add_(1));
    dScores.mul_(options.scale);
    grads[0].index_copy_(2, block,
                         at::matmul(dScores, key).view({b, hq, r, d}));
    grads[1].add_(
        at::matmul(dScores.transpose(-1, -2),
                   query.index_select(2, block).reshape({b, hkv, g * r, d})));
  });
}

/// Every query row of `query`, as indices.
at::Tensor allRows(const at::Tensor &query) {
  return at::arange(query.size(2), query.options().dtype(at::kLong));
}

std::optional<at::Tensor> maskArgument(const at::Tensor &mask) {
  return mask.defined() ? std::optional<at::Tensor>(mask) : std::nullopt;
}

/// `tensor` in float32 where it is a half type (undefined stays so): the
/// composite form computes in float32, as PyTorch's math SDPA does for half
/// types (its `query_acc`: the operands in float32, each result rounded
/// once) and as the fused kernels accumulate.
at::Tensor widened(const at::Tensor &tensor) {
  return tensor.defined() && at::isReducedFloatingType(tensor.scalar_type())
             ? tensor.to(at::kFloat)
             : tensor;
}

/// Where the composite form writes `result`: a float32 tensor of its shape
/// where it is a half type (copied into it at the end), else `result`.
at::Tensor wideResult(const at::Tensor &result) {
  return at::isReducedFloatingType(result.scalar_type())
             ? at::empty(result.sizes(), result.options().dtype(at::kFloat))
             : result;
}

/// The options with the sinks widened (the bias is added to float32
/// scores as it is, as PyTorch's math SDPA adds its mask).
AttentionOptions widenedOptions(const AttentionOptions &options) {
  AttentionOptions wide = options;
  wide.sinks = widened(options.sinks);
  return wide;
}

/// Rounds what the composite form computed into the results it stands for.
void roundInto(at::Tensor &result, const at::Tensor &wide) {
  if (!wide.is_same(result))
    result.copy_(wide);
}

} // namespace

void dsc::rt::kernels::blockedAttention(at::Tensor &out,
                                        const at::Tensor &query,
                                        const at::Tensor &key,
                                        const at::Tensor &value,
                                        const AttentionOptions &options) {
  at::Tensor wide = wideResult(out);
  patchRowsForward(wide, widened(query), widened(key), widened(value),
                   widenedOptions(options), allRows(query));
  roundInto(out, wide);
}

void dsc::rt::kernels::blockedAttentionBackward(
    std::array<at::Tensor, 3> &grads, const at::Tensor &gradOut,
    const at::Tensor &query, const at::Tensor &key, const at::Tensor &value,
    const AttentionOptions &options, at::Tensor *gradBias,
    at::Tensor *gradSinks) {
  // Every row's query gradient is written; the key and value gradients
  // (and a bias's broadcast over the query rows, the sinks') sum over the
  // blocks, in float32 for half types.
  std::array<at::Tensor, 3> wide{wideResult(grads[0]), wideResult(grads[1]),
                                 wideResult(grads[2])};
  at::Tensor wideBias = gradBias ? wideResult(*gradBias) : at::Tensor();
  at::Tensor wideSinks = gradSinks ? wideResult(*gradSinks) : at::Tensor();
  for (at::Tensor *sum : {&wide[1], &wide[2], &wideBias, &wideSinks})
    if (sum->defined())
      sum->zero_();
  patchRowsBackward(wide, widened(gradOut), widened(query), widened(key),
                    widened(value), widenedOptions(options), allRows(query),
                    gradBias ? &wideBias : nullptr,
                    gradSinks ? &wideSinks : nullptr);
  for (size_t i = 0; i < 3; ++i)
    roundInto(grads[i], wide[i]);
  if (gradBias)
    roundInto(*gradBias, wideBias);
  if (gradSinks)
    roundInto(*gradSinks, wideSinks);
}

void dsc::rt::kernels::compositeAttention(at::Tensor &out,
                                          const at::Tensor &query,
                                          const at::Tensor &key,
                                          const at::Tensor &value,
                                          const AttentionOptions &options) {
  at::Tensor probs =
      attentionProbs(widened(query), widened(key), widenedOptions(options));
  // [B, Hkv, G*S, Skv] · [B, Hkv, Skv, Dv] is the result [B, Hq, S, Dv].
  at::Tensor wide = wideResult(out);
  at::Tensor grouped = wide.view({key.size(0), key.size(1), -1, value.size(3)});
  at::matmul_out(grouped, probs, widened(value));
  roundInto(out, wide);
}

void dsc::rt::kernels::compositeAttentionBackward(
    std::array<at::Tensor, 3> &grads, const at::Tensor &gradOut,
    const at::Tensor &query, const at::Tensor &key, const at::Tensor &value,
    const AttentionOptions &options) {
  int64_t b = key.size(0), hkv = key.size(1);
  at::Tensor wideQuery = widened(query), wideKey = widened(key);
  std::array<at::Tensor, 3> wide{wideResult(grads[0]), wideResult(grads[1]),
                                 wideResult(grads[2])};
  // In the grouped layout [B, Hkv, G*S, ...] of attentionProbs, the
  // contraction over G*S in the key and value gradients sums over the query
  // heads that share a key/value head.
  at::Tensor probs =
      attentionProbs(wideQuery, wideKey, widenedOptions(options));
  at::Tensor dOut = widened(gradOut).reshape({b, hkv, -1, value.size(3)});
  at::matmul_out(wide[2], probs.transpose(-1, -2), dOut);

  at::Tensor dProbs = at::matmul(dOut, widened(value).transpose(-1, -2));
  at::Tensor dScores =
      at::_softmax_backward_data(dProbs, probs, -1, probs.scalar_type())
          .mul_(options.scale);
  at::Tensor dQuery = wide[0].view({b, hkv, -1, query.size(3)});
  at::matmul_out(dQuery, dScores, wideKey);
  at::matmul_out(wide[1], dScores.transpose(-1, -2),
                 wideQuery.reshape({b, hkv, -1, query.size(3)}));
  for (size_t i = 0; i < 3; ++i)
    roundInto(grads[i], wide[i]);
}

std::pair<at::Tensor, at::Tensor>
dsc::rt::kernels::flashAttention(const at::Tensor &query, const at::Tensor &key,
                                 const at::Tensor &value,
                                 const AttentionOptions &options) {
  FusedMask fused = fusedMask(query, key, options);
  auto [out, logSumExp] = at::_scaled_dot_product_flash_attention_for_cpu(
      query, key, value, /*dropout_p=*/0.0, options.causal,
      maskArgument(fused.mask), options.scale);
  if (fused.rows.defined())
    patchRowsForward(out, query, key, value, options, fused.rows);
  return {out, logSumExp};
}

std::array<at::Tensor, 3> dsc::rt::kernels::flashAttentionBackward(
    const at::Tensor &gradOut, const at::Tensor &query, const at::Tensor &key,
    const at::Tensor &value, const at::Tensor &out,
    const AttentionOptions &options) {
  FusedMask fused = fusedMask(query, key, options);
  std::optional<at::Tensor> maskArg = maskArgument(fused.mask);
  // The forward again, for its log-sum-exp; its output is the one given
  // (the patched rows' gradient is zero here: their output is not read).
  at::Tensor logSumExp =
      std::get<1>(at::_scaled_dot_product_flash_attention_for_cpu(
          query, key, value, 0.0, options.causal, maskArg, options.scale));
  auto [dQuery, dKey, dValue] =
      at::_scaled_dot_product_flash_attention_for_cpu_backward(
          withoutRows(gradOut, fused.rows), query, key, value, out, logSumExp,
          0.0, options.causal, maskArg, options.scale);
  std::array<at::Tensor, 3> grads{dQuery, dKey, dValue};
  if (fused.rows.defined())
    patchRowsBackward(grads, gradOut, query, key, value, options, fused.rows);
  return grads;
}

namespace {

/// What the memory-efficient kernel is given: keys and values repeated to
/// the query's head count, and the additive bias in memory whose rows are
/// 16-element aligned (the kernel's requirement; PyTorch's SDPA pads the
/// same way), broadcast to [B,Hq,S,Skv].
struct EfficientInputs {
  at::Tensor key, value;
  std::optional<at::Tensor> bias;
  /// fusedMask's rows.
  at::Tensor rows;

  EfficientInputs(const at::Tensor &query, const at::Tensor &k,
                  const at::Tensor &v, const AttentionOptions &options) {
    int64_t groups = query.size(1) / k.size(1);
    key = groups == 1 ? k : k.repeat_interleave(groups, 1);
    value = groups == 1 ? v : v.repeat_interleave(groups, 1);
    FusedMask fused = fusedMask(query, k, options);
    rows = fused.rows;
    at::Tensor mask = fused.mask;
    if (!mask.defined())
      return;
    while (mask.dim() < 4)
      mask = mask.unsqueeze(0);
    int64_t skv = k.size(2), padded = (skv + 15) / 16 * 16;
    std::vector<int64_t> shape(mask.sizes().begin(), mask.sizes().end());
    shape.back() = padded;
    at::Tensor aligned = at::zeros(shape, mask.options());
    aligned.narrow(-1, 0, skv).copy_(mask);
    bias = aligned.narrow(-1, 0, skv)
               .expand({query.size(0), query.size(1), query.size(2), skv});
  }
};

} // namespace

at::Tensor dsc::rt::kernels::efficientAttention(
    const at::Tensor &query, const at::Tensor &key, const at::Tensor &value,
    const AttentionOptions &options) {
  EfficientInputs in(query, key, value, options);
  at::Tensor out = std::get<0>(at::_scaled_dot_product_efficient_attention(
      query, in.key, in.value, in.bias, /*compute_log_sumexp=*/false,
      /*dropout_p=*/0.0, options.causal, options.scale));
  if (in.rows.defined())
    patchRowsForward(out, query, key, value, options, in.rows);
  return out;
}

std::array<at::Tensor, 3> dsc::rt::kernels::efficientAttentionBackward(
    const at::Tensor &gradOut, const at::Tensor &query, const at::Tensor &key,
    const at::Tensor &value, const at::Tensor &out,
    const AttentionOptions &options) {
  EfficientInputs in(query, key, value, options);
  // The forward again, for its log-sum-exp; its output is the one given
  // (the patched rows' gradient is zero here: their output is not read).
  auto [unused, logSumExp, seed, offset] =
      at::_scaled_dot_product_efficient_attention(
          query, in.key, in.value, in.bias, /*compute_log_sumexp=*/true, 0.0,
          options.causal, options.scale);
  unused.reset();
  auto [dQuery, dKey, dValue, dBias] =
      at::_scaled_dot_product_efficient_attention_backward(
          withoutRows(gradOut, in.rows), query, in.key, in.value,
          in.bias ? *in.bias : at::Tensor(), out, logSumExp, seed, offset, 0.0,
          {true, true, true, false}, options.causal, options.scale);
  int64_t groups = query.size(1) / key.size(1);
  if (groups > 1) {
    auto sumGroups = [&](const at::Tensor &grad) {
      return grad
          .view({grad.size(0), key.size(1), groups, grad.size(2), grad.size(3)})
          .sum(2);
    };
    dKey = sumGroups(dKey);
    dValue = sumGroups(dValue);
  }
  std::array<at::Tensor, 3> grads{dQuery, dKey, dValue};
  if (in.rows.defined())
    patchRowsBackward(grads, gradOut, query, key, value, options, in.rows);
  return grads;
}

at::Tensor dsc::rt::kernels::attentionProbs(const at::Tensor &query,
                                            const at::Tensor &key,
                                            const AttentionOptions &options) {
  int64_t b = query.size(0), hq = query.size(1), s = query.size(2),
          d = query.size(3);
  int64_t hkv = key.size(1), skv = key.size(2), g = hq / hkv;
  // Query head h uses key/value head h / G, so the G query heads of one
  // key/value head are consecutive: [B, Hkv, G*S, D] multiplies the key
  // without repeating it.
  at::Tensor grouped = query.reshape({b, hkv, g * s, d});
  at::Tensor scores =
      at::matmul(grouped, key.transpose(-1, -2)).mul_(options.scale);
  if (options.bias.defined())
    scores.view({b, hq, s, skv}).add_(options.bias);
  if (at::Tensor masked = maskedKeys(query, s, skv, options, options.causal);
      masked.defined())
    scores.view({b, hkv, g, s, skv})
        .masked_fill_(masked, -std::numeric_limits<double>::infinity());
  return safeSoftmax(scores);
}
