//===- ScatterConversions.cpp - topk, scatter, bincount to ds -------------===//
//
// What mixture-of-experts routers compute: the top k experts of each token
// (topk), the gates written into a dense [tokens, experts] tensor (scatter),
// counts of the tokens routed to each expert (bincount, scatter_add), and
// the experts' outputs added back at their tokens (index_add).
// Each is built from comparisons with positions, choices and sums, as
// gather is: exact, and the gradient goes where PyTorch's goes.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace dsc::ts;

namespace {

/// An int64 iota along `dim` of a tensor of rank `rank`, size `n` there.
Value positionsAlong(ImporterState &s, int64_t rank, int64_t dim, int64_t n) {
  SmallVector<int64_t> shape(rank, 1);
  shape[dim] = n;
  return ds::IotaOp::create(
      s.builder, s.loc, RankedTensorType::get(shape, s.builder.getI64Type()),
      static_cast<uint64_t>(dim));
}

/// `topk(self, k, dim=-1, largest=True, sorted=True)`: k rounds of the
/// first largest among the positions not yet taken (NaN largest, as in
/// PyTorch; with largest=False the order is reversed and NaN comes last),
/// then the values gathered at those positions, so that each value's
/// gradient goes to its element alone. The results come sorted whatever
/// `sorted` says (PyTorch leaves the order unspecified then); equal values
/// come in the order of their positions, where PyTorch's order among ties
/// is unspecified (the values agree, and a gradient that differs between
/// the tied outputs goes to a different one of the tied elements).
void topk(ImporterState &s) {
  Value x = s.tensorInput(0);
  auto type = typeOf(x);
  int64_t k = s.intInput(1);
  size_t n = s.node->inputs().size();
  bool largest = n > 3 ? s.boolInput(3) : true;
  if (k <= 0)
    s.fail("aten::topk with k = " + std::to_string(k) +
           " is not supported (an empty result)");
  if (type.getRank() == 0) {
    s.bindOutput(0, x);
    return s.bindOutput(1, s.materialize(at::zeros({}, at::kLong)));
  }
  int64_t dim = s.normalizeDim(n > 2 ? s.intInput(2) : -1, type.getRank());
  if (type.getElementType().isInteger(1))
    s.fail("aten::topk of a boolean tensor is not supported");
  Value order = largest ? x : reverseOrder(s, x);
  Value positions =
      positionsAlong(s, type.getRank(), dim, type.getDimSize(dim));
  SmallVector<Value> picks;
  Value candidates;
  for (int64_t round = 0; round < k; ++round) {
    picks.push_back(firstLargest(s, order, dim, candidates, largest));
    if (round + 1 == k)
      break;
    Value taken = ds::CompareOp::create(
        s.builder, s.loc, ds::CompareDirection::EQ, positions, picks.back());
    candidates =
        ds::SelectOp::create(s.builder, s.loc, taken, boolScalar(s, false),
                             candidates ? candidates : boolScalar(s, true));
  }
  Value indices = picks.size() == 1
                      ? picks.front()
                      : ds::ConcatOp::create(s.builder, s.loc, picks,
                                             static_cast<uint64_t>(dim))
                            .getResult();
  s.bindOutput(0, reshape(s, takeAlong(s, x, dim, indices), s.outputType(0)));
  s.bindOutput(1, reshape(s, indices, s.outputType(1)));
}

/// The operands of `scatter`/`scatter_add(self, dim, index, src)`: `index`
/// of `self`'s rank and size outside `dim` (PyTorch allows it smaller;
/// refused here, as for gather), `src` cut to `index`'s shape.
struct ScatterOperands {
  Value self, index;
  int64_t dim;
  /// Whether index position k holds position c: [.., K, C, ..].
  Value match;
};

ScatterOperands scatterOperands(ImporterState &s) {
  std::string op = s.node->kind().toQualString();
  Value self = s.tensorInputAs(0, s.outputScalarType());
  auto type = typeOf(self);
  int64_t rank = type.getRank();
  if (rank == 0)
    s.fail(op + " of a 0-d tensor is not supported");
  if (type.getElementType().isInteger(1))
    s.fail(op + " of a boolean tensor is not supported");
  int64_t dim = s.normalizeDim(s.intInput(1), rank);
  Value index = s.tensorInput(2);
  auto indexType = typeOf(index);
  if (indexType.getRank() != rank)
    s.fail(op + " needs an index of the input's rank");
  for (int64_t d = 0; d < rank; ++d)
    if (d != dim && indexType.getDimSize(d) != type.getDimSize(d))
      s.fail(op + " with an index smaller than the input outside `dim` is "
                  "not supported");
  return {self, index, dim,
          matchPositions(s, index, dim, type.getDimSize(dim))};
}

/// `src` cut to the index's shape and given an axis of size 1 after `dim`,
/// against the matches.
Value sourceAlongMatches(ImporterState &s, const ScatterOperands &scatter,
                         Value src) {
  auto indexType = typeOf(scatter.index);
  auto srcType = typeOf(src);
  if (srcType.getRank() != indexType.getRank())
    s.fail(std::string(s.node->kind().toQualString()) +
           " needs a source of the index's rank");
  for (int64_t d = 0; d < indexType.getRank(); ++d) {
    if (srcType.getDimSize(d) < indexType.getDimSize(d))
      s.fail(std::string(s.node->kind().toQualString()) +
             ": the source is smaller than the index");
    src = sliceDim(s, src, d, 0, indexType.getDimSize(d), 1);
  }
  SmallVector<int64_t> column(indexType.getShape());
  column.insert(column.begin() + scatter.dim + 1, 1);
  return reshape(s, src, column);
}

/// The sum over the index's positions of `src` where `mask` holds.
Value sumWhere(ImporterState &s, Value mask, Value src, int64_t dim) {
  Value zero = scalar(s, 0.0, typeOf(src).getElementType());
  Value chosen = ds::SelectOp::create(s.builder, s.loc, mask, src, zero);
  return ds::SumOp::create(s.builder, s.loc, chosen, ArrayRef<int64_t>{dim});
}

/// `scatter(self, dim, index, src)` and `scatter(self, dim, index, value)`:
/// where an index position points, the source there, else `self`. Where
/// several point at one position the last wins, as in PyTorch's CPU kernel
/// (the order is unspecified on GPUs); every one of them gets that
/// position's gradient, as PyTorch's (gather) gives it: the others enter
/// as x - stop_gradient(x), an exact 0.
void scatter(ImporterState &s) {
  if (s.node->inputs().size() > 4 && !isNone(s, 4))
    s.fail("aten::scatter with reduce= is not supported; use scatter_add, "
           "or scatter_reduce's sum");
  ScatterOperands scatter = scatterOperands(s);
  auto type = typeOf(scatter.self);
  int64_t dim = scatter.dim;
  Type i64 = s.builder.getI64Type();
  int64_t picks = typeOf(scatter.index).getDimSize(dim);
  // The last index position pointing at each position, -1 where none does.
  Value order = positionsAlong(s, type.getRank() + 1, dim, picks);
  Value pointing = ds::SelectOp::create(s.builder, s.loc, scatter.match, order,
                                        scalar(s, -1.0, i64));
  Value last = ds::MaxOp::create(s.builder, s.loc, pointing,
                                 s.builder.getDenseI64ArrayAttr({dim}),
                                 /*keepdim=*/true);
  Value hit =
      reshape(s,
              ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::GE,
                                    last, scalar(s, 0.0, i64)),
              type.getShape());
  Value value;
  if (!s.inputScalarType(3)) {
    // scatter.value: a number.
    value = s.tensorInputAs(3, s.outputScalarType());
  } else {
    Value src = sourceAlongMatches(s, scatter,
                                   s.tensorInputAs(3, s.outputScalarType()));
    Value winner = ds::CompareOp::create(s.builder, s.loc,
                                         ds::CompareDirection::EQ, order, last);
    Value losers = ds::SelectOp::create(s.builder, s.loc, winner,
                                        boolScalar(s, false), scatter.match);
    Value won = sumWhere(s, winner, src, dim);
    Value lost = sumWhere(s, losers, src, dim);
    Value gradientOnly =
        ds::SubOp::create(s.builder, s.loc, lost,
                          ds::StopGradientOp::create(s.builder, s.loc, lost));
    value = ds::AddOp::create(s.builder, s.loc, won, gradientOnly);
  }
  if (typeOf(value).getShape() != type.getShape())
    value = ds::BroadcastOp::create(
        s.builder, s.loc, typeOf(value).clone(type.getShape()), value);
  s.bindOutput(
      0, ds::SelectOp::create(s.builder, s.loc, hit, value, scatter.self));
}

/// `scatter_add(self, dim, index, src)`: `self` plus, at each position, the
/// sum of the sources pointing at it (PyTorch adds them one at a time into
/// `self`; the sum first rounds differently only where several point at one
/// position). The gradient of `src` is gather's, as PyTorch's.
void scatterAdd(ImporterState &s) {
  ScatterOperands scatter = scatterOperands(s);
  Value src =
      sourceAlongMatches(s, scatter, s.tensorInputAs(3, s.outputScalarType()));
  Value added = sumWhere(s, scatter.match, src, scatter.dim);
  s.bindOutput(0, ds::AddOp::create(s.builder, s.loc, scatter.self, added));
}

/// `index_add(self, dim, index, source, alpha=1)`: `self` plus `alpha`
/// times, at each position along `dim`, the sum of the slices of `source`
/// whose index points at it (a 1-d index, one entry per slice). The
/// gradient of `source` is index_select's, as PyTorch's.
void indexAdd(ImporterState &s) {
  Value self = s.tensorInputAs(0, s.outputScalarType());
  auto type = typeOf(self);
  int64_t rank = type.getRank();
  if (rank == 0 || type.getElementType().isInteger(1))
    s.fail("aten::index_add of a 0-d or boolean tensor is not supported");
  int64_t dim = s.normalizeDim(s.intInput(1), rank);
  Value index = s.tensorInput(2);
  Value source = s.tensorInputAs(3, s.outputScalarType());
  auto sourceType = typeOf(source);
  int64_t picks = typeOf(index).getNumElements();
  if (typeOf(index).getRank() > 1 || sourceType.getRank() != rank ||
      sourceType.getDimSize(dim) != picks)
    s.fail("aten::index_add needs a 1-d index with one entry per slice of "
           "the source along `dim`");
  for (int64_t d = 0; d < rank; ++d)
    if (d != dim && sourceType.getDimSize(d) != type.getDimSize(d))
      s.fail("aten::index_add: the source differs from the input outside "
             "`dim`");
  SmallVector<int64_t> along(rank, 1);
  along[dim] = picks;
  Value match =
      matchPositions(s, reshape(s, index, along), dim, type.getDimSize(dim));
  SmallVector<int64_t> column(sourceType.getShape());
  column.insert(column.begin() + dim + 1, 1);
  Value added = sumWhere(s, match, reshape(s, source, column), dim);
  double alpha = s.node->inputs().size() > 4 ? s.doubleInput(4) : 1.0;
  if (alpha != 1.0)
    added = ds::MulOp::create(s.builder, s.loc, added,
                              scalar(s, alpha, type.getElementType()));
  s.bindOutput(0, ds::AddOp::create(s.builder, s.loc, self, added));
}

/// Follows `value` back through ops whose elements are some of their
/// input's (reshapes, copies, integer conversions, slices, transposes) to the
/// indices output of topk, max(dim), min(dim), argmax or argmin, and returns
/// the size of the dimension they index (every element lies in [0, size)), or
/// 0.
int64_t indexBound(const ImporterState &s, const torch::jit::Value *value) {
  static const llvm::StringSet<> keeping{
      "aten::reshape",    "aten::view",         "aten::flatten",
      "aten::contiguous", "aten::clone",        "aten::to",
      "aten::_to_copy",   "aten::long",         "aten::detach",
      "aten::alias",      "aten::_unsafe_view", "aten::select",
      "aten::slice",      "aten::narrow",       "aten::squeeze",
      "aten::unsqueeze",  "aten::transpose",    "aten::permute",
      "aten::t",          "aten::expand"};
  static const llvm::StringSet<> indexing{"aten::topk", "aten::max",
                                          "aten::min"};
  for (const torch::jit::Node *node = value->node();;) {
    std::string kind = node->kind().toQualString();
    auto sizeAlong = [&](int64_t dim) -> int64_t {
      const c10::IValue &input = s.shadowOf(node->inputs()[0]);
      if (!input.isTensor())
        return 0;
      const at::Tensor &t = input.toTensor();
      if (t.dim() == 0)
        return 1;
      return t.size(dim < 0 ? dim + t.dim() : dim);
    };
    auto constantInt = [&](size_t i) -> std::optional<int64_t> {
      if (i >= node->inputs().size())
        return std::nullopt;
      const Imported &imported = s.lookup(node->inputs()[i]);
      if (!imported.isConstant() || !imported.constant().isInt())
        return std::nullopt;
      return imported.constant().toInt();
    };
    if (indexing.contains(kind) && value == node->outputs().back() &&
        node->outputs().size() == 2) {
      // topk(self, k, dim), max/min(self, dim, keepdim).
      std::optional<int64_t> dim = constantInt(kind == "aten::topk" ? 2 : 1);
      return dim ? sizeAlong(*dim) : 0;
    }
    if (kind == "aten::argmax" || kind == "aten::argmin") {
      std::optional<int64_t> dim = constantInt(1);
      const c10::IValue &input = s.shadowOf(node->inputs()[0]);
      if (!dim)
        return input.isTensor() ? input.toTensor().numel() : 0;
      return sizeAlong(*dim);
    }
    if (!keeping.contains(kind) || node->inputs().empty())
      return 0;
    value = node->inputs()[0];
    node = value->node();
  }
}

/// `bincount(self, weights=None, minlength=0)`: per position 0 ..
/// minlength - 1, how many elements of `self` hold it (or the sum of their
/// weights). PyTorch's result grows past minlength with the data's largest
/// value, which dsc's fixed shapes cannot follow: `self` must be indices of
/// a dimension no larger than minlength (topk's, argmax's, max(dim)'s,
/// MoE routers' counts), so that no value reaches it.
void bincount(ImporterState &s) {
  Value x = s.tensorInput(0);
  auto type = typeOf(x);
  RankedTensorType out = s.outputType();
  int64_t minlength = s.node->inputs().size() > 2 ? s.intInput(2) : 0;
  int64_t bound = indexBound(s, s.node->inputs()[0]);
  if (type.getRank() != 1 || bound == 0 || minlength < bound ||
      out.getDimSize(0) != minlength)
    s.fail("aten::bincount: the number of bins would depend on the data's "
           "largest value; dsc imports bincount(x, minlength=n) only of "
           "indices below n (of topk, argmax or max over a dimension of at "
           "most n); count with one_hot(x, n).sum(0) otherwise");
  Value match = matchPositions(s, x, 0, minlength); // [N, C]
  Type element = out.getElementType();
  Value counted;
  if (s.node->inputs().size() > 1 && !isNone(s, 1)) {
    Value weights = reshape(s, s.tensorInputAs(1, s.outputScalarType()),
                            {type.getDimSize(0), 1});
    counted = sumWhere(s, match, weights, 0);
  } else {
    counted = ds::SumOp::create(s.builder, s.loc, s.convertTo(match, element),
                                ArrayRef<int64_t>{0});
  }
  s.bindOutput(0, reshape(s, counted, out));
}

} // namespace

void dsc::ts::addScatterConversions(llvm::StringMap<Conversion> &table) {
  table["aten::topk"] = topk;
  table["aten::scatter"] = scatter;
  table["aten::scatter_add"] = scatterAdd;
  table["aten::bincount"] = bincount;
  table["aten::index_add"] = indexAdd;
}
