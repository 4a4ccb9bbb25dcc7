//===- IndexConversions.cpp - aten indexing to ds -------------------------===//
//
// Advanced indexing. By index tensors that are compile-time constants
// (`x[:, :, [0, 2]]`, `qkv[..., [-2], :]`, `index_select` with a constant
// index) the chosen positions are known at import, so they become slices,
// and where they do not step evenly, a concatenation of slices. The gradient
// of a slice pads and that of a concatenation splits, which sums the gradient
// of a position chosen twice as PyTorch's index backward (an accumulating
// index_put) does. Index tensors for several adjacent dimensions pick from
// those dimensions flattened.
//
// By index tensors computed from the data (HF's sequence classification
// pooling `logits[arange(B), last_non_pad_token]`, `table[ids]`): the
// indexed dimensions are flattened into rows, the flat position computed
// with integer ds ops, and the rows looked up with `ds.embedding`, whose
// gradient adds each position's rows as index_put does. Boolean masks,
// whose result shape depends on the data, are refused.
//
// And one_hot: each index compared with the classes' positions;
// index_put by a boolean mask (`x[mask] = value`): a choice; masked_scatter
// and index_put of a row per masked position: a lookup at the running count
// of the mask.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "mlir/Dialect/Traits.h"

using namespace mlir;
using namespace dsc::ts;

namespace {

/// The positions that the constant `index` picks along a dimension of
/// `size`, in the order of its elements, negative ones counted from the end.
std::vector<int64_t> positionsOf(ImporterState &s, const at::Tensor &index,
                                 int64_t size) {
  std::string op = s.node->kind().toQualString();
  if (index.scalar_type() == c10::ScalarType::Bool ||
      index.scalar_type() == c10::ScalarType::Byte)
    s.fail(op + " with a boolean mask is not supported: the shape of its "
                "result depends on the mask's values");
  if (!at::isIntegralType(index.scalar_type(), /*includeBool=*/false))
    s.fail(op + " with an index tensor of dtype " +
           std::string(c10::toString(index.scalar_type())));
  if (index.numel() == 0)
    s.fail(op + " with an empty index tensor is not supported");
  at::Tensor flat = index.to(c10::ScalarType::Long).contiguous().flatten();
  std::vector<int64_t> positions(flat.data_ptr<int64_t>(),
                                 flat.data_ptr<int64_t>() + flat.numel());
  for (int64_t &p : positions) {
    if (p < -size || p >= size)
      s.fail(op + ": index " + llvm::Twine(p) +
             " is out of range for a dimension of size " + llvm::Twine(size));
    if (p < 0)
      p += size;
  }
  return positions;
}

/// The index tensor that `imported` holds, a constant.
at::Tensor constantIndex(ImporterState &s, const Imported &imported) {
  if (imported.isConstant() && imported.constant().isTensor())
    return imported.constant().toTensor();
  s.fail(std::string(s.node->kind().toQualString()) + " expects index tensors");
}

bool isComputed(const Imported &imported) { return imported.isTensor(); }

/// `self[i_0, ..., i_k]` over its adjacent dimensions `first`..`first+k`
/// where some index tensor is computed from the data: the result is
/// [pre, R, post] for the index tensors broadcast to R. The flat position
/// sum_j i_j * stride_j (negative indices counted from the end) picks rows
/// of `self` with those dimensions moved to the front and flattened, the
/// others flattened behind them: `ds.embedding`, then the pieces moved
/// back.
Value gatherComputed(ImporterState &s, Value self, int64_t first,
                     ArrayRef<Imported> indices) {
  std::string op = s.node->kind().toQualString();
  auto type = typeOf(self);
  if (!isa<FloatType>(type.getElementType()))
    s.fail(op + " of an integer tensor by a computed index is not supported");
  ArrayRef<int64_t> shape = type.getShape();
  int64_t k = static_cast<int64_t>(indices.size());
  Type i64 = s.builder.getI64Type();
  Value flat;
  SmallVector<int64_t> broadcast;
  int64_t stride = 1;
  for (int64_t j = k - 1; j >= 0; --j) {
    int64_t size = shape[first + j];
    Value index;
    if (isComputed(indices[j])) {
      index = indices[j].tensor();
      Type element = typeOf(index).getElementType();
      if (!element.isInteger() || element.getIntOrFloatBitWidth() < 16)
        s.fail(op + " with a boolean mask is not supported: the shape of "
                    "its result depends on the mask's values");
      index = s.convertTo(index, i64);
      Value negative = ds::CompareOp::create(
          s.builder, s.loc, ds::CompareDirection::LT, index, scalar(s, 0, i64));
      Value wrapped = ds::AddOp::create(
          s.builder, s.loc, index, scalar(s, static_cast<double>(size), i64));
      index = ds::SelectOp::create(s.builder, s.loc, negative, wrapped, index);
    } else {
      at::Tensor constant = constantIndex(s, indices[j]);
      at::Tensor positions =
          at::tensor(positionsOf(s, constant, size), at::kLong)
              .view(constant.sizes());
      index = s.materialize(positions);
    }
    if (stride != 1)
      index = ds::MulOp::create(s.builder, s.loc, index,
                                scalar(s, static_cast<double>(stride), i64));
    SmallVector<int64_t> joined;
    if (!OpTrait::util::getBroadcastedShape(broadcast, typeOf(index).getShape(),
                                            joined))
      s.fail(op + ": the index tensors do not broadcast together");
    broadcast = joined;
    flat = flat ? ds::AddOp::create(s.builder, s.loc, flat, index) : index;
    stride *= size;
  }
  auto flatType = RankedTensorType::get(broadcast, i64);
  if (typeOf(flat) != flatType)
    flat = ds::BroadcastOp::create(s.builder, s.loc, flatType, flat);

  // [g_0..g_k, pre, post] -> [span, rest] -> [R, rest] -> [R, pre, post].
  int64_t rank = type.getRank();
  SmallVector<int64_t> toFront = llvm::to_vector(llvm::seq(first, first + k));
  llvm::append_range(toFront, llvm::seq<int64_t>(0, first));
  llvm::append_range(toFront, llvm::seq(first + k, rank));
  Value moved = self;
  if (!llvm::equal(toFront, llvm::seq<int64_t>(0, rank)))
    moved = ds::TransposeOp::create(s.builder, s.loc, self,
                                    s.builder.getDenseI64ArrayAttr(toFront));
  SmallVector<int64_t> rest;
  for (int64_t d : ArrayRef(toFront).drop_front(k))
    rest.push_back(shape[d]);
  int64_t restSize = 1;
  for (int64_t size : rest)
    restSize *= size;
  Value rows = ds::EmbeddingOp::create(
      s.builder, s.loc, reshape(s, moved, {stride, restSize}), flat,
      /*padding_idx=*/IntegerAttr());
  SmallVector<int64_t> picked(broadcast);
  picked.append(rest);
  Value result = reshape(s, rows, picked);
  int64_t r = static_cast<int64_t>(broadcast.size());
  SmallVector<int64_t> back = llvm::to_vector(llvm::seq<int64_t>(r, r + first));
  llvm::append_range(back, llvm::seq<int64_t>(0, r));
  llvm::append_range(back, llvm::seq<int64_t>(r + first, r + rank - k));
  if (!llvm::equal(back, llvm::seq<int64_t>(0, r + rank - k)))
    result = ds::TransposeOp::create(s.builder, s.loc, result,
                                     s.builder.getDenseI64ArrayAttr(back));
  return result;
}

} // namespace

/// More runs than this are picked with ds.embedding (one op) rather than
/// concatenated slices (an op per run).
constexpr size_t kMaxSlicedRuns = 4;

Value dsc::ts::pick(ImporterState &s, Value self, int64_t dim,
                    ArrayRef<int64_t> positions) {
  int64_t step = positions.size() > 1 ? positions[1] - positions[0] : 1;
  bool even = step > 0;
  for (size_t i = 1; even && i < positions.size(); ++i)
    even = positions[i] - positions[i - 1] == step;
  if (even)
    return sliceDim(s, self, dim, positions.front(), positions.back() + 1,
                    step);
  SmallVector<std::pair<int64_t, int64_t>> runs;
  for (size_t begin = 0; begin < positions.size();) {
    size_t end = begin + 1;
    while (end < positions.size() && positions[end] == positions[end - 1] + 1)
      ++end;
    runs.push_back({positions[begin], positions[end - 1] + 1});
    begin = end;
  }
  if (runs.size() > kMaxSlicedRuns &&
      isa<FloatType>(typeOf(self).getElementType())) {
    at::Tensor index = at::tensor(
        std::vector<int64_t>(positions.begin(), positions.end()), at::kLong);
    return gatherComputed(s, self, dim, {Imported{c10::IValue(index)}});
  }
  SmallVector<Value> slices;
  for (auto [begin, end] : runs)
    slices.push_back(sliceDim(s, self, dim, begin, end, 1));
  return ds::ConcatOp::create(s.builder, s.loc, slices, dim);
}

namespace {

/// `self[i_0, ..., i_k]` over its adjacent dimensions `first`..`first+k`
/// by constant index tensors, broadcast together to shape R: the result is
/// [pre, R, post], element r the one at (i_0[r], ..., i_k[r]). Those
/// dimensions are flattened into one, picked at each r's flat position, and
/// the picks take R's shape (HF's padding mask `mask[batch_idx, kv_idx]`:
/// aranges broadcast against each other, one slice).
Value pickSeveral(ImporterState &s, Value self, int64_t first,
                  ArrayRef<at::Tensor> indices) {
  auto type = typeOf(self);
  ArrayRef<int64_t> shape = type.getShape();
  std::vector<at::Tensor> broadcast;
  try {
    broadcast = at::broadcast_tensors(indices);
  } catch (const c10::Error &) {
    s.fail("aten::index: the index tensors do not broadcast together");
  }
  int64_t k = static_cast<int64_t>(indices.size());
  at::Tensor flat = at::zeros(broadcast[0].sizes(), at::kLong);
  int64_t span = 1;
  for (int64_t j = k - 1; j >= 0; --j) {
    int64_t size = shape[first + j];
    std::vector<int64_t> positions = positionsOf(s, broadcast[j], size);
    flat += at::tensor(positions, at::kLong).view(broadcast[j].sizes()) * span;
    span *= size;
  }
  SmallVector<int64_t> merged(shape.begin(), shape.begin() + first);
  merged.push_back(span);
  merged.append(shape.begin() + first + k, shape.end());
  Value picked =
      pick(s, reshape(s, self, merged), first, positionsOf(s, flat, span));
  SmallVector<int64_t> result(shape.begin(), shape.begin() + first);
  result.append(broadcast[0].sizes().begin(), broadcast[0].sizes().end());
  result.append(shape.begin() + first + k, shape.end());
  return reshape(s, picked, result);
}

/// Input 1, the optional index tensors of aten::index and index_put.
std::vector<Imported> indexEntries(ImporterState &s) {
  const Imported &list = s.lookup(s.node->inputs()[1]);
  std::vector<Imported> entries;
  if (list.isList()) {
    entries = list.list();
  } else if (list.isConstant() && list.constant().isList()) {
    for (const c10::IValue &entry : list.constant().toListRef())
      entries.push_back(Imported{entry});
  } else {
    s.fail(std::string(s.node->kind().toQualString()) +
           " expects a list of optional index tensors");
  }
  return entries;
}

/// The dimensions that `entries` index (those not None).
SmallVector<int64_t> indexedDims(ArrayRef<Imported> entries) {
  SmallVector<int64_t> dims;
  for (auto [d, entry] : llvm::enumerate(entries))
    if (!entry.isConstant() || !entry.constant().isNone())
      dims.push_back(static_cast<int64_t>(d));
  return dims;
}

/// `index(self, indices)`: `indices` holds an optional tensor per leading
/// dimension of `self` (None leaves a dimension whole). One index tensor
/// picks positions along its dimension; its shape replaces that dimension.
/// Constant index tensors for adjacent dimensions pick together
/// (pickSeveral).
void index(ImporterState &s) {
  Value self = s.tensorInput(0);
  std::vector<Imported> entries = indexEntries(s);
  std::optional<int64_t> dim;
  SmallVector<int64_t> dims = indexedDims(entries);
  if (dims.empty())
    return s.bindOutput(0, self);
  if (dims.back() - dims.front() + 1 != static_cast<int64_t>(dims.size()))
    s.fail("aten::index with index tensors for dimensions that are not "
           "adjacent is not supported");
  ArrayRef<Imported> used = ArrayRef(entries).slice(dims.front(), dims.size());
  if (llvm::any_of(used, isComputed))
    return s.bindOutput(0,
                        reshape(s, gatherComputed(s, self, dims.front(), used),
                                s.outputType()));
  if (dims.size() > 1) {
    std::vector<at::Tensor> indices;
    for (int64_t d : dims)
      indices.push_back(constantIndex(s, entries[d]));
    return s.bindOutput(0,
                        reshape(s, pickSeveral(s, self, dims.front(), indices),
                                s.outputType()));
  }
  dim = dims.front();
  at::Tensor indexTensor = constantIndex(s, entries[*dim]);
  std::vector<int64_t> positions =
      positionsOf(s, indexTensor, typeOf(self).getDimSize(*dim));
  s.bindOutput(0, reshape(s, pick(s, self, *dim, positions), s.outputType()));
}

/// For each of the positions of `flatMask` [N] (boolean), the row of
/// `table` [K, W] that a row-major assignment of the table's rows to the
/// positions where the mask holds gives it: row `cumsum(mask) - 1` (row 0
/// before the first), looked up with `ds.embedding`: [N, W]. A mask that
/// holds at more positions than the table has rows fails at run time as an
/// out-of-range lookup, where PyTorch rejects the values as too few.
Value maskedRows(ImporterState &s, Value flatMask, Value table) {
  Type i64 = s.builder.getI64Type();
  Value taken =
      ds::CumsumOp::create(s.builder, s.loc, s.convertTo(flatMask, i64), 0);
  Value positions = ds::MaximumOp::create(
      s.builder, s.loc,
      ds::SubOp::create(s.builder, s.loc, taken, scalar(s, 1.0, i64)),
      scalar(s, 0.0, i64));
  return ds::EmbeddingOp::create(s.builder, s.loc, table, positions,
                                 /*padding_idx=*/IntegerAttr());
}

/// `values` [K, r...] for `x[mask] = values` with `mask` over the leading
/// dimensions of `shape` ([m..., rest...], r broadcast to rest): row j goes
/// to the j-th position where the mask holds in row-major order, as PyTorch
/// assigns them; the result has `shape`, with any row at the positions
/// where the mask does not hold. Values behind leading dimensions
/// (`x[:, mask] = values`) are refused.
Value rowPerPosition(ImporterState &s, Value values, Value mask,
                     ArrayRef<int64_t> shape, int64_t first) {
  if (first != 0)
    s.fail("aten::index_put with values for each masked position behind "
           "leading dimensions (x[:, mask] = values) is not supported");
  auto maskShape = typeOf(mask).getShape();
  ArrayRef<int64_t> rest = shape.drop_front(maskShape.size());
  ArrayRef<int64_t> given = typeOf(values).getShape();
  SmallVector<int64_t> rows = {given.front()};
  rows.append(rest.begin(), rest.end());
  for (size_t i = 0; i < rest.size(); ++i)
    if (given[1 + i] != rest[i] && given[1 + i] != 1)
      s.fail("aten::index_put: the values do not broadcast to the masked "
             "positions' rows");
  auto rowsType = typeOf(values).clone(rows);
  if (typeOf(values) != rowsType)
    values = ds::BroadcastOp::create(s.builder, s.loc, rowsType, values);
  int64_t width = 1, positions = 1;
  for (int64_t size : rest)
    width *= size;
  for (int64_t size : maskShape)
    positions *= size;
  Value table = reshape(s, values, {rows.front(), width});
  return reshape(s, maskedRows(s, reshape(s, mask, {positions}), table), shape);
}

/// `index_put(self, indices, values, accumulate)` by one boolean mask over
/// dimensions d..d+k of `self` (`labels[labels == -100] = 0`, TRL's
/// log-probabilities; `x[mask] = row`; `embeds[ids == IMAGE] = features`):
/// a choice of `values` (one, one row broadcast to every masked position,
/// or a row per masked position: rowPerPosition) where the mask holds,
/// `self` elsewhere; accumulated, `self` plus the values where it holds.
/// Integer index tensors are refused.
void indexPut(ImporterState &s) {
  Value self = s.tensorInput(0);
  auto type = typeOf(self);
  std::vector<Imported> entries = indexEntries(s);
  SmallVector<int64_t> dims = indexedDims(entries);
  if (dims.empty())
    s.fail("aten::index_put without an index");
  Value mask = s.asTensor(entries[dims.front()]);
  auto maskType = typeOf(mask);
  if (dims.size() != 1 || !maskType.getElementType().isInteger(1))
    s.fail("aten::index_put with integer index tensors is not supported "
           "(only a boolean mask: x[mask] = value)");
  int64_t d = dims.front(), k = maskType.getRank();
  ArrayRef<int64_t> shape = type.getShape();
  if (d + k > type.getRank() || shape.slice(d, k) != maskType.getShape())
    s.fail("aten::index_put: the mask's shape is not that of the dimensions "
           "it indexes");
  ArrayRef<int64_t> rest = shape.drop_front(d + k);
  Value values = s.tensorInputAs(2, s.outputScalarType());
  auto valueShape = typeOf(values).getShape();
  // One row per masked position ([K, rest...]; [1, rest...] is one row for
  // all of them). No rows at all is valid only where nothing is masked.
  bool perPosition = typeOf(values).getNumElements() != 1 &&
                     valueShape.size() == d + 1 + rest.size();
  if (perPosition && d == 0 && valueShape.front() == 1) {
    values = reshape(s, values, valueShape.drop_front());
    valueShape = typeOf(values).getShape();
    perPosition = false;
  }
  if (perPosition && typeOf(values).getNumElements() == 0)
    return s.bindOutput(0, self);
  if (perPosition) {
    values = rowPerPosition(s, values, mask, shape, d);
  } else if (typeOf(values).getNumElements() == 1) {
    values = reshape(s, values, ArrayRef<int64_t>{});
  } else {
    bool fits = valueShape.size() <= rest.size();
    for (size_t i = 0; fits && i < valueShape.size(); ++i) {
      int64_t want = rest[rest.size() - valueShape.size() + i];
      fits = valueShape[i] == want || valueShape[i] == 1;
    }
    if (!fits)
      s.fail("aten::index_put: the values do not broadcast to the masked "
             "positions' rows");
    SmallVector<int64_t> placed(d + k + rest.size() - valueShape.size(), 1);
    placed.append(valueShape.begin(), valueShape.end());
    values = reshape(s, values, placed);
  }
  SmallVector<int64_t> maskShape(d, 1);
  maskShape.append(maskType.getShape().begin(), maskType.getShape().end());
  maskShape.append(rest.size(), 1);
  mask = reshape(s, mask, maskShape);
  Value result;
  if (s.boolInput(3)) {
    Value added = ds::SelectOp::create(s.builder, s.loc, mask, values,
                                       scalar(s, 0.0, type.getElementType()));
    result = ds::AddOp::create(s.builder, s.loc, self, added);
  } else {
    result = ds::SelectOp::create(s.builder, s.loc, mask, values, self);
  }
  if (typeOf(result) != type)
    result = ds::BroadcastOp::create(s.builder, s.loc, type, result);
  s.bindOutput(0, result);
}

/// `index_select(self, dim, index)` with a 0-d or 1-d `index`.
void indexSelect(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t dim = s.normalizeDim(s.intInput(1), typeOf(self).getRank());
  const Imported &index = s.lookup(s.node->inputs()[2]);
  if (isComputed(index))
    return s.bindOutput(
        0, reshape(s, gatherComputed(s, self, dim, index), s.outputType()));
  at::Tensor indexTensor = constantIndex(s, index);
  std::vector<int64_t> positions =
      positionsOf(s, indexTensor, typeOf(self).getDimSize(dim));
  s.bindOutput(0, reshape(s, pick(s, self, dim, positions), s.outputType()));
}

/// `flip(self, dims)`: each dimension's positions picked backwards.
void flip(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t rank = typeOf(self).getRank();
  for (int64_t d : s.intListInput(1)) {
    int64_t dim = s.normalizeDim(d, rank);
    int64_t size = typeOf(self).getDimSize(dim);
    if (size <= 1)
      continue;
    std::vector<int64_t> backwards(size);
    for (int64_t i = 0; i < size; ++i)
      backwards[i] = size - 1 - i;
    self = pick(s, self, dim, backwards);
  }
  s.bindOutput(0, self);
}

/// `gather(self, dim, index, sparse_grad)` with an index computed at run
/// time (core ATen's cross-entropy: the log-probability of each label):
/// out[.., j, ..] = self[.., index[.., j, ..], ..] along `dim`, written as a
/// choice and a sum. With `self` [.., C, ..] and `index` [.., K, ..] (the
/// other dimensions equal), each of the K positions compares its index with
/// iota(C), keeps the element where they match and 0 elsewhere, and sums
/// over C: exactly the element (the other terms are exact zeros, whatever
/// the rest of the row holds), and its gradient goes to that element alone.
void gather(ImporterState &s) {
  Value self = s.tensorInput(0);
  auto selfType = typeOf(self);
  int64_t rank = selfType.getRank();
  int64_t dim = s.normalizeDim(s.intInput(1), rank);
  Value indices = s.tensorInput(2);
  auto indexType = typeOf(indices);
  // Integers too (RoBERTa's token type ids gathered at its positions): the
  // sum of one element and exact zeros is exact.
  Type element = selfType.getElementType();
  if (!isa<FloatType>(element) &&
      (!element.isInteger() || element.isInteger(1)))
    s.fail("aten::gather of a boolean tensor is not supported");
  if (indexType.getRank() != rank)
    s.fail("aten::gather needs an index of the input's rank");
  for (int64_t d = 0; d < rank; ++d)
    if (d != dim && indexType.getDimSize(d) != selfType.getDimSize(d))
      s.fail("aten::gather with an index smaller than the input outside "
             "`dim` is not supported");
  s.bindOutput(0, takeAlong(s, self, dim, indices));
}

/// `take_along_dim(self, indices, dim)`: gather after broadcasting the two
/// against each other outside `dim` (without `dim`, of both flattened).
void takeAlongDim(ImporterState &s) {
  Value self = s.tensorInput(0), indices = s.tensorInput(1);
  int64_t dim = 0;
  if (isNone(s, 2)) {
    self = reshape(s, self, {typeOf(self).getNumElements()});
    indices = reshape(s, indices, {typeOf(indices).getNumElements()});
  } else {
    dim = s.normalizeDim(s.intInput(2), typeOf(self).getRank());
  }
  auto selfType = typeOf(self), indexType = typeOf(indices);
  if (selfType.getRank() != indexType.getRank())
    s.fail("aten::take_along_dim needs indices of the input's rank");
  if (selfType.getElementType().isInteger(1))
    s.fail("aten::take_along_dim of a boolean tensor is not supported");
  SmallVector<int64_t> selfShape(selfType.getShape()),
      indexShape(indexType.getShape());
  for (int64_t d = 0; d < selfType.getRank(); ++d) {
    if (d == dim)
      continue;
    int64_t a = selfShape[d], b = indexShape[d];
    if (a != b && a != 1 && b != 1)
      s.fail("aten::take_along_dim: the input and the indices do not "
             "broadcast");
    selfShape[d] = indexShape[d] = std::max(a, b);
  }
  if (selfType.getShape() != ArrayRef(selfShape))
    self = ds::BroadcastOp::create(s.builder, s.loc, selfType.clone(selfShape),
                                   self);
  if (indexType.getShape() != ArrayRef(indexShape))
    indices = ds::BroadcastOp::create(s.builder, s.loc,
                                      indexType.clone(indexShape), indices);
  s.bindOutput(0, reshape(s, takeAlong(s, self, dim, indices), s.outputType()));
}

/// `masked_scatter(self, mask, source)` (every Hugging Face vision-language
/// model puts its image features into the text embeddings so: `embeds.
/// masked_scatter(ids == image_token, features)`): where the mask,
/// broadcast to `self`, holds, the next of `source`'s elements in row-major
/// order; `self` elsewhere. A mask that is constant along `self`'s trailing
/// dimensions (a `[B, S, 1]` mask expanded to `[B, S, D]`) scatters whole
/// rows of those dimensions. Position i takes row `cumsum(mask)[i] - 1` of
/// `source` flattened into such rows, looked up with `ds.embedding` (a
/// table that lacks the row, where PyTorch would reject the source as too
/// small, fails at run time as an out-of-range lookup); a choice keeps
/// `self` where the mask does not hold. The gradient is PyTorch's: `self`'s
/// where the mask does not hold, and each used element of `source` the
/// gradient at the one position that took it (the other positions add
/// zeros); unused elements get zeros.
void maskedScatter(ImporterState &s) {
  Value self = s.tensorInput(0);
  auto type = typeOf(self);
  if (!isa<FloatType>(type.getElementType()))
    s.fail("aten::masked_scatter of an integer or boolean tensor is not "
           "supported");
  Value mask = s.tensorInput(1);
  if (!typeOf(mask).getElementType().isInteger(1))
    s.fail("aten::masked_scatter needs a boolean mask");
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = type.getRank();
  // The mask's shape aligned to the input's; one that would broadcast the
  // input to a larger result (PyTorch's out-of-place form allows that) is
  // refused.
  auto aligned = [&](Value m) -> std::optional<SmallVector<int64_t>> {
    ArrayRef<int64_t> given = typeOf(m).getShape();
    if (static_cast<int64_t>(given.size()) > rank)
      return std::nullopt;
    SmallVector<int64_t> maskShape(rank, 1);
    llvm::copy(given, maskShape.end() - given.size());
    for (int64_t d = 0; d < rank; ++d)
      if (maskShape[d] != 1 && maskShape[d] != shape[d])
        return std::nullopt;
    return maskShape;
  };
  std::optional<SmallVector<int64_t>> maskShape = aligned(mask);
  if (!maskShape)
    s.fail("aten::masked_scatter with a mask that does not broadcast to the "
           "input's shape is not supported");
  if (type.getNumElements() == 0)
    return s.bindOutput(0, self);
  // An expanded mask is read before its expansion.
  if (auto expanded = mask.getDefiningOp<ds::BroadcastOp>()) {
    mask = expanded.getInput();
    maskShape = aligned(mask);
    assert(maskShape && "a broadcast's operand broadcasts to its result");
  }
  // [lead..., row...]: the mask varies only along the leading dimensions.
  int64_t lead = rank;
  while (lead > 0 && (*maskShape)[lead - 1] == 1)
    --lead;
  int64_t rows = 1, width = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < lead ? rows : width) *= shape[d];
  SmallVector<int64_t> leadShape(shape.take_front(lead));
  leadShape.append(rank - lead, 1);
  mask = reshape(s, mask, ArrayRef(*maskShape));
  auto leadType = RankedTensorType::get(leadShape, s.builder.getI1Type());
  if (typeOf(mask) != leadType)
    mask = ds::BroadcastOp::create(s.builder, s.loc, leadType, mask);

  Value source = s.tensorInputAs(2, s.outputScalarType());
  // An empty source is valid only where nothing is masked.
  if (typeOf(source).getNumElements() == 0)
    return s.bindOutput(0, self);
  int64_t available = typeOf(source).getNumElements() / width;
  if (available == 0)
    s.fail("aten::masked_scatter: the source has fewer elements (" +
           llvm::Twine(typeOf(source).getNumElements()) +
           ") than one masked row (" + llvm::Twine(width) + ")");
  Value table = reshape(s, source, {typeOf(source).getNumElements()});
  if (available * width != typeOf(table).getNumElements())
    table = sliceDim(s, table, 0, 0, available * width, 1);
  table = reshape(s, table, {available, width});

  Value scattered = maskedRows(s, reshape(s, mask, {rows}), table);
  Value result = ds::SelectOp::create(s.builder, s.loc, mask,
                                      reshape(s, scattered, shape), self);
  s.bindOutput(0, result);
}

/// `one_hot(self, num_classes)`: `self[..., None] == arange(C)` as int64.
/// An index outside [0, C), which PyTorch rejects at run time, gives a row
/// of zeros.
void oneHot(ImporterState &s) {
  Value x = s.tensorInput(0);
  int64_t classes = s.intInput(1);
  if (classes < 0)
    s.fail("aten::one_hot without num_classes is not supported: the number "
           "of classes would depend on the data; pass num_classes");
  auto type = typeOf(x);
  SmallVector<int64_t> column(type.getShape());
  column.push_back(1);
  SmallVector<int64_t> iotaShape(type.getRank() + 1, 1);
  iotaShape.back() = classes;
  Value positions = ds::IotaOp::create(
      s.builder, s.loc, RankedTensorType::get(iotaShape, type.getElementType()),
      static_cast<uint64_t>(type.getRank()));
  Value hit = ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::EQ,
                                    reshape(s, x, column), positions);
  s.bindOutput(0, s.convertTo(hit, s.outputType().getElementType()));
}

} // namespace

/// [.., K, 1, ..] against iota [1.., 1, C, 1..].
Value dsc::ts::matchPositions(ImporterState &s, Value indices, int64_t dim,
                              int64_t classes) {
  RankedTensorType indexType = typeOf(indices);
  SmallVector<int64_t> column(indexType.getShape());
  column.insert(column.begin() + dim + 1, 1);
  Value wanted = reshape(s, indices, column);
  SmallVector<int64_t> iotaShape(indexType.getRank() + 1, 1);
  iotaShape[dim + 1] = classes;
  Value positions = ds::IotaOp::create(
      s.builder, s.loc,
      RankedTensorType::get(iotaShape, indexType.getElementType()),
      static_cast<uint64_t>(dim + 1));
  return ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::EQ,
                               wanted, positions);
}

Value dsc::ts::takeAlong(ImporterState &s, Value self, int64_t dim,
                         Value indices) {
  RankedTensorType selfType = typeOf(self);
  SmallVector<int64_t> row(selfType.getShape());
  row.insert(row.begin() + dim, 1);
  // [.., 1, C, ..] against the matches [.., K, C, ..].
  Value table = reshape(s, self, row);
  Value match = matchPositions(s, indices, dim, selfType.getDimSize(dim));
  Value zero = scalar(s, 0.0, selfType.getElementType());
  Value chosen = ds::SelectOp::create(s.builder, s.loc, match, table, zero);
  return ds::SumOp::create(s.builder, s.loc, chosen,
                           ArrayRef<int64_t>{dim + 1});
}

void dsc::ts::addIndexConversions(llvm::StringMap<Conversion> &table) {
  table["aten::index"] = index;
  table["aten::index_put"] = indexPut;
  table["aten::index_select"] = indexSelect;
  table["aten::flip"] = flip;
  table["aten::gather"] = gather;
  table["aten::one_hot"] = oneHot;
  table["aten::masked_scatter"] = maskedScatter;
  table["aten::take_along_dim"] = takeAlongDim;
}
