//===- ShapeConversions.cpp - aten shape ops, lists and tuples to ds ------===//
//
// Views, transposes, slices, splits and concatenations, and the list and
// tuple values TorchScript passes between nodes. Registered into the table
// of OpConversions.cpp.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

using namespace mlir;
using namespace dsc::ts;

namespace {

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

void reshapeToOutput(ImporterState &s) {
  s.bindOutput(0, reshape(s, s.tensorInput(0), s.outputType()));
}

void expand(ImporterState &s) {
  Value self = s.tensorInput(0);
  RankedTensorType type = s.outputType();
  if (self.getType() == type)
    return s.bindOutput(0, self);
  s.bindOutput(0, ds::BroadcastOp::create(s.builder, s.loc, type, self));
}

/// `self.repeat(*sizes)`: the tensor tiled `sizes[i]` times along each
/// dimension (leading sizes add dimensions), as a broadcast of [1, d] pairs
/// to [r, d] and a reshape merging each pair: exact, and the gradient sums
/// the tiles.
void repeat(ImporterState &s) {
  Value self = s.tensorInput(0);
  std::vector<int64_t> sizes = s.intListInput(1);
  ArrayRef<int64_t> shape = typeOf(self).getShape();
  if (sizes.size() < shape.size())
    s.fail("aten::repeat needs a size for every dimension of the tensor");
  SmallVector<int64_t> dims(sizes.size() - shape.size(), 1);
  dims.append(shape.begin(), shape.end());
  SmallVector<int64_t> pairs, tiled;
  for (auto [r, d] : llvm::zip(sizes, dims)) {
    pairs.append({1, d});
    tiled.append({r, d});
  }
  Value paired = reshape(s, self, pairs);
  Value broadcast = ds::BroadcastOp::create(
      s.builder, s.loc, typeOf(paired).clone(tiled), paired);
  s.bindOutput(0, reshape(s, broadcast, s.outputType()));
}

/// Binds `self` with its dimensions permuted (result dimension `i` is
/// `self`'s `perm[i]`); no op when nothing moves.
void bindPermuted(ImporterState &s, Value self, ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return s.bindOutput(0, self);
  s.bindOutput(0,
               ds::TransposeOp::create(s.builder, s.loc, self,
                                       s.builder.getDenseI64ArrayAttr(perm)));
}

void transposeDims(ImporterState &s, Value self, int64_t a, int64_t b) {
  int64_t rank = typeOf(self).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[s.normalizeDim(a, rank)], perm[s.normalizeDim(b, rank)]);
  bindPermuted(s, self, perm);
}

/// `transpose`, `swapaxes`, `swapdims(self, dim0, dim1)`.
void transpose(ImporterState &s) {
  transposeDims(s, s.tensorInput(0), s.intInput(1), s.intInput(2));
}

/// `t`, and `numpy_T` (`x.T`), which reverses all dimensions (PyTorch warns
/// that it will stop doing so above rank 2).
void reverseDims(ImporterState &s) {
  Value self = s.tensorInput(0);
  SmallVector<int64_t> perm;
  for (int64_t d = typeOf(self).getRank() - 1; d >= 0; --d)
    perm.push_back(d);
  bindPermuted(s, self, perm);
}

/// `mT`, and `adjoint` and `mH` (the conjugate is the identity on real
/// types): the last two dimensions swapped.
void matrixTranspose(ImporterState &s) {
  Value self = s.tensorInput(0);
  if (typeOf(self).getRank() < 2)
    s.fail("'" + std::string(s.node->kind().toQualString()) +
           "' needs a tensor of rank >= 2");
  transposeDims(s, self, -2, -1);
}

void permute(ImporterState &s) {
  Value self = s.tensorInput(0);
  std::vector<int64_t> perm = s.intListInput(1);
  for (int64_t &d : perm)
    d = s.normalizeDim(d, typeOf(self).getRank());
  bindPermuted(s, self, perm);
}

/// `movedim`/`moveaxis(self, source, destination)` with integers or lists:
/// each source dimension lands at its destination, the others keep their
/// order in the remaining places.
void movedim(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t rank = typeOf(self).getRank();
  std::vector<int64_t> sources = s.intListInput(1);
  std::vector<int64_t> destinations = s.intListInput(2);
  if (sources.size() != destinations.size())
    s.fail("aten::movedim needs as many destinations as sources");
  SmallVector<int64_t> perm(rank, -1);
  SmallVector<bool> moved(rank, false);
  for (auto [source, destination] : llvm::zip(sources, destinations)) {
    int64_t from = s.normalizeDim(source, rank);
    int64_t to = s.normalizeDim(destination, rank);
    if (moved[from] || perm[to] != -1)
      s.fail("aten::movedim with a repeated dimension");
    perm[to] = from;
    moved[from] = true;
  }
  int64_t next = 0;
  for (int64_t &p : perm) {
    if (p != -1)
      continue;
    while (moved[next])
      ++next;
    p = next++;
  }
  bindPermuted(s, self, perm);
}

void slice(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t rank = typeOf(self).getRank();
  int64_t dim = s.normalizeDim(s.intInput(1), rank);
  int64_t size = typeOf(self).getDimSize(dim);
  int64_t start = isNone(s, 2) ? 0 : s.intInput(2);
  int64_t end = isNone(s, 3) ? size : s.intInput(3);
  int64_t step = s.intInput(4);
  if (step < 1)
    s.fail("aten::slice needs a positive step");
  s.bindOutput(0, sliceDim(s, self, dim, start, end, step));
}

/// `narrow(self, dim, start, length)`: elements [start, start + length) of
/// `dim`, a negative start counting from the end (torch.diff's pieces).
void narrow(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t rank = typeOf(self).getRank();
  int64_t dim = s.normalizeDim(s.intInput(1), rank);
  int64_t size = typeOf(self).getDimSize(dim);
  int64_t start = s.intInput(2), length = s.intInput(3);
  if (start < 0)
    start += size;
  if (start < 0 || length < 0 || start + length > size)
    s.fail("aten::narrow of " + std::to_string(length) + " elements from " +
           std::to_string(s.intInput(2)) + " is outside the " +
           std::to_string(size) + " of the dimension");
  s.bindOutput(0, sliceDim(s, self, dim, start, start + length, 1));
}

void select(ImporterState &s) {
  Value self = s.tensorInput(0);
  auto [dim, index] = selectedRow(s, self, 1);
  Value row = sliceDim(s, self, dim, index, index + 1, 1);
  s.bindOutput(0, reshape(s, row, s.outputType()));
}

/// Splits `self` along `dim` into `sizes` and binds the pieces as a list
/// (or as separate outputs when the node has several).
void bindPieces(ImporterState &s, Value self, int64_t dim,
                ArrayRef<int64_t> sizes, bool squeeze = false) {
  auto split = ds::SplitOp::create(s.builder, s.loc, self, dim,
                                   s.builder.getDenseI64ArrayAttr(sizes));
  ImportedList pieces;
  for (Value piece : split.getResults()) {
    if (squeeze) {
      SmallVector<int64_t> shape(typeOf(piece).getShape());
      shape.erase(shape.begin() + dim);
      piece = reshape(s, piece, shape);
    }
    pieces.push_back(Imported{piece});
  }
  if (s.node->outputs().size() == 1 &&
      s.node->output()->type()->kind() == c10::TypeKind::ListType)
    return s.bindOutput(0, Imported{std::make_shared<ImportedList>(pieces)});
  if (s.node->outputs().size() != pieces.size())
    s.fail("split produced an unexpected number of pieces");
  for (size_t i = 0; i < pieces.size(); ++i)
    s.bindOutput(i, pieces[i]);
}

/// Sizes of `size` cut into pieces of `each`, the last one shorter.
std::vector<int64_t> piecesOf(int64_t size, int64_t each) {
  std::vector<int64_t> sizes;
  for (int64_t begin = 0; begin < size; begin += each)
    sizes.push_back(std::min(each, size - begin));
  return sizes;
}

void split(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t dim = s.normalizeDim(s.intInput(2), typeOf(self).getRank());
  int64_t size = typeOf(self).getDimSize(dim);
  std::vector<int64_t> sizes;
  const c10::IValue &arg = s.constantInput(1);
  if (arg.isIntList()) {
    sizes = arg.toIntVector();
  } else {
    int64_t chunk = s.intInput(1);
    if (chunk < 1)
      s.fail("aten::split needs a positive split size");
    sizes = piecesOf(size, chunk);
  }
  bindPieces(s, self, dim, sizes);
}

void chunk(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t dim = s.normalizeDim(s.intInput(2), typeOf(self).getRank());
  int64_t size = typeOf(self).getDimSize(dim);
  int64_t chunks = s.intInput(1);
  if (chunks < 1)
    s.fail("aten::chunk needs a positive number of chunks");
  bindPieces(s, self, dim, piecesOf(size, (size + chunks - 1) / chunks));
}

void unbind(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t dim = s.normalizeDim(s.intInput(1), typeOf(self).getRank());
  std::vector<int64_t> sizes(typeOf(self).getDimSize(dim), 1);
  bindPieces(s, self, dim, sizes, /*squeeze=*/true);
}

/// `broadcast_tensors(tensors)`: each broadcast to their common shape (as
/// F.mse_loss calls it before the loss), bound as a list.
void broadcastTensors(ImporterState &s) {
  std::vector<Value> tensors = tensorList(s, 0);
  SmallVector<int64_t> shape;
  for (Value t : tensors) {
    ArrayRef<int64_t> dims = typeOf(t).getShape();
    if (dims.size() > shape.size())
      shape.insert(shape.begin(), dims.size() - shape.size(), 1);
    for (size_t i = 0; i < dims.size(); ++i) {
      int64_t &into = shape[shape.size() - dims.size() + i];
      if (into == 1)
        into = dims[i];
      else if (dims[i] != 1 && dims[i] != into)
        s.fail("broadcast_tensors of shapes that do not broadcast");
    }
  }
  auto list = std::make_shared<ImportedList>();
  for (Value t : tensors) {
    RankedTensorType type = typeOf(t).clone(shape);
    list->push_back(Imported{
        t.getType() == type
            ? t
            : ds::BroadcastOp::create(s.builder, s.loc, type, t).getResult()});
  }
  s.bindOutput(0, Imported{list});
}

/// `cat(tensors, dim)`. Pieces empty along `dim` add nothing and are left
/// out (Phi-3's `cat([q_rot, q_pass])` with a rotary dimension of the
/// whole head: dsc has no empty tensors).
/// Binds `tensors` concatenated along `dim`, in the output's dtype; empty
/// ones are left out (PyTorch's cat accepts a 1-D empty tensor of any
/// rank).
void bindConcat(ImporterState &s, std::vector<Value> tensors, int64_t dim) {
  c10::ScalarType type = s.outputScalarType();
  for (Value &t : tensors)
    t = s.convertTo(t, s.elementType(type));
  std::vector<Value> pieces;
  for (Value t : tensors)
    if (typeOf(t).getNumElements() != 0)
      pieces.push_back(t);
  if (pieces.size() == 1)
    return s.bindOutput(0, pieces.front());
  s.bindOutput(0, ds::ConcatOp::create(s.builder, s.loc,
                                       pieces.empty() ? tensors : pieces, dim));
}

void cat(ImporterState &s) {
  bindConcat(s, tensorList(s, 0),
             s.normalizeDim(s.intInput(1), s.outputType().getRank()));
}

/// `hstack(tensors)`: each at least 1-D, concatenated along dim 0 where
/// the first is 1-D, else dim 1.
void hstack(ImporterState &s) {
  std::vector<Value> tensors = tensorList(s, 0);
  for (Value &t : tensors)
    if (typeOf(t).getRank() == 0)
      t = reshape(s, t, {1});
  if (tensors.empty())
    s.fail("aten::hstack of no tensors");
  bindConcat(s, tensors, typeOf(tensors.front()).getRank() == 1 ? 0 : 1);
}

/// `vstack(tensors)` (`row_stack`): each at least 2-D (a vector becomes a
/// row), concatenated along dim 0.
void vstack(ImporterState &s) {
  std::vector<Value> tensors = tensorList(s, 0);
  for (Value &t : tensors)
    if (typeOf(t).getRank() < 2)
      t = reshape(s, t, {1, typeOf(t).getNumElements()});
  bindConcat(s, tensors, 0);
}

/// `roll(self, shifts, dims)`: each dim's last `shift` elements moved to
/// its front (the concatenation of two slices, exact); with no dims, of
/// the flattened tensor, reshaped back.
void roll(ImporterState &s) {
  Value self = s.tensorInput(0);
  std::vector<int64_t> shifts = s.intListInput(1);
  std::vector<int64_t> dims = s.intListInput(2);
  RankedTensorType type = typeOf(self);
  Value x = self;
  if (dims.empty()) {
    if (shifts.size() != 1)
      s.fail("aten::roll without dims takes one shift");
    x = reshape(s, self, {type.getNumElements()});
    dims = {0};
  }
  if (shifts.size() != dims.size())
    s.fail("aten::roll with " + std::to_string(shifts.size()) + " shifts for " +
           std::to_string(dims.size()) + " dims");
  for (auto [shift, dim] : llvm::zip(shifts, dims)) {
    int64_t d = s.normalizeDim(dim, typeOf(x).getRank());
    int64_t size = typeOf(x).getDimSize(d);
    int64_t k = size == 0 ? 0 : ((shift % size) + size) % size;
    if (k == 0)
      continue;
    Value tail = sliceDim(s, x, d, size - k, size, 1);
    Value head = sliceDim(s, x, d, 0, size - k, 1);
    x = ds::ConcatOp::create(s.builder, s.loc, ValueRange{tail, head}, d);
  }
  s.bindOutput(0, reshape(s, x, type));
}

void stack(ImporterState &s) {
  std::vector<Value> tensors = tensorList(s, 0);
  int64_t dim = s.normalizeDim(s.intInput(1), typeOf(tensors[0]).getRank() + 1);
  for (Value &t : tensors) {
    SmallVector<int64_t> shape(typeOf(t).getShape());
    shape.insert(shape.begin() + dim, 1);
    t = reshape(s, t, shape);
  }
  s.bindOutput(0, ds::ConcatOp::create(s.builder, s.loc, tensors, dim));
}

/// `repeat_interleave(self, repeats, dim)`: every slice along `dim` repeated
/// `repeats` times in place, written as reshape, broadcast, reshape (the form
/// attention recognition matches for grouped-query attention); without
/// `dim`, of `self` flattened (Mixtral's load-balancing loss repeats a
/// token mask per routed expert).
void repeatInterleave(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t dim = 0;
  if (isNone(s, 2))
    self = reshape(s, self, {typeOf(self).getNumElements()});
  else
    dim = s.normalizeDim(s.intInput(2), typeOf(self).getRank());
  int64_t repeats = s.intInput(1);
  SmallVector<int64_t> shape(typeOf(self).getShape());
  SmallVector<int64_t> unsqueezed(shape);
  unsqueezed.insert(unsqueezed.begin() + dim + 1, 1);
  SmallVector<int64_t> expanded(unsqueezed);
  expanded[dim + 1] = repeats;
  Value v = reshape(s, self, unsqueezed);
  v = ds::BroadcastOp::create(s.builder, s.loc, typeOf(v).clone(expanded), v);
  s.bindOutput(0, reshape(s, v, s.outputType()));
}

/// `zeros_like`, `ones_like`, `full_like` (kind 2: value at input 1), and
/// `new_zeros`, `new_ones`, `new_full` (kind 3: value at input 2; T5's and
/// BART's decoder inputs from the labels): a splat of the output type;
/// `new_empty` and `empty_like` as zeros.
template <int kind> void fullLike(ImporterState &s) {
  RankedTensorType type = s.outputType();
  double value = kind == 2   ? s.doubleInput(1)
                 : kind == 3 ? s.doubleInput(2)
                             : kind;
  Value splat = scalar(s, value, type.getElementType());
  s.bindOutput(0, ds::BroadcastOp::create(s.builder, s.loc, type, splat));
}

void size(ImporterState &s) {
  ArrayRef<int64_t> shape = typeOf(s.tensorInput(0)).getShape();
  if (s.node->inputs().size() == 1)
    return s.bindOutput(0, Imported{c10::IValue(shape.vec())});
  int64_t dim = s.normalizeDim(s.intInput(1), shape.size());
  s.bindOutput(0, Imported{c10::IValue(shape[dim])});
}

void dim(ImporterState &s) {
  s.bindOutput(0, Imported{c10::IValue(typeOf(s.tensorInput(0)).getRank())});
}

//===----------------------------------------------------------------------===//
// Lists and tuples
//===----------------------------------------------------------------------===//

void construct(ImporterState &s) {
  auto list = std::make_shared<ImportedList>();
  for (const torch::jit::Value *input : s.node->inputs())
    list->push_back(s.lookup(input));
  s.bindOutput(0, Imported{list});
}

/// `aten::pad(input, pad, mode)` in mode "reflect" (the input mirrored
/// about its edge elements, which are not repeated), "replicate" (the edge
/// element broadcast) or "circular" (the other end's elements), each
/// padded side a concatenation of slices of the input, so that the
/// gradient adds up at the elements copied. (low, high) pairs from the
/// last dimension back, applied in turn as PyTorch's kernels do; negative
/// amounts (crops) are refused, as are reflections as wide as the input.
void modePad(ImporterState &s, const std::string &mode) {
  if (mode != "reflect" && mode != "replicate" && mode != "circular")
    s.fail("aten::pad in mode '" + mode + "' is not supported");
  Value result = s.tensorInput(0);
  std::vector<int64_t> pad = s.intListInput(1);
  int64_t rank = typeOf(result).getRank();
  if (pad.size() % 2 != 0 || static_cast<int64_t>(pad.size()) > 2 * rank)
    s.fail("aten::pad needs (low, high) pairs for at most every dimension");
  for (size_t pair = 0; pair < pad.size() / 2; ++pair) {
    int64_t dim = rank - 1 - static_cast<int64_t>(pair);
    int64_t low = pad[2 * pair], high = pad[2 * pair + 1];
    int64_t size = typeOf(result).getDimSize(dim);
    int64_t widest = mode == "reflect" ? size - 1 : size;
    if (low < 0 || high < 0 ||
        (mode != "replicate" && (low > widest || high > widest)))
      s.fail("aten::pad in mode '" + mode + "' by (" + std::to_string(low) +
             ", " + std::to_string(high) + ") of a dimension of " +
             std::to_string(size) + " is not supported");
    auto element = [&](int64_t i) {
      return sliceDim(s, result, dim, i, i + 1, 1);
    };
    auto edge = [&](int64_t i, int64_t amount) -> Value {
      RankedTensorType type = typeOf(result);
      std::vector<int64_t> shape(type.getShape());
      shape[dim] = amount;
      return ds::BroadcastOp::create(s.builder, s.loc, type.clone(shape),
                                     element(i));
    };
    SmallVector<Value> pieces;
    if (mode == "reflect") {
      for (int64_t i = low; i >= 1; --i)
        pieces.push_back(element(i));
    } else if (low > 0) {
      pieces.push_back(mode == "replicate"
                           ? edge(0, low)
                           : sliceDim(s, result, dim, size - low, size, 1));
    }
    pieces.push_back(result);
    if (mode == "reflect") {
      for (int64_t i = size - 2; i >= size - 1 - high; --i)
        pieces.push_back(element(i));
    } else if (high > 0) {
      pieces.push_back(mode == "replicate"
                           ? edge(size - 1, high)
                           : sliceDim(s, result, dim, 0, high, 1));
    }
    if (pieces.size() > 1)
      result = ds::ConcatOp::create(s.builder, s.loc, pieces, dim);
  }
  s.bindOutput(0, result);
}

/// `aten::pad(input, pad, mode, value)` in mode "constant" and
/// `aten::constant_pad_nd(input, pad, value)`: `pad` holds (low, high)
/// pairs from the last dimension back; a negative amount crops. Each padded
/// side is a concatenated constant of `value` (HF shifts labels this way:
/// `pad(labels, (0, 1), value=-100)`).
void constantPad(ImporterState &s) {
  bool isPad = s.node->kind() == c10::Symbol::fromQualString("aten::pad");
  if (isPad && s.constantInput(2).toStringRef() != "constant")
    return modePad(s, s.constantInput(2).toStringRef());
  size_t valueIndex = isPad ? 3 : 2;
  double fill = s.node->inputs().size() > valueIndex &&
                        !s.constantInput(valueIndex).isNone()
                    ? s.doubleInput(valueIndex)
                    : 0.0;
  Value result = s.tensorInput(0);
  std::vector<int64_t> pad = s.intListInput(1);
  int64_t rank = typeOf(result).getRank();
  if (pad.size() % 2 != 0 || static_cast<int64_t>(pad.size()) > 2 * rank)
    s.fail("aten::pad needs (low, high) pairs for at most every dimension");
  c10::ScalarType type = s.outputScalarType();
  for (size_t pair = 0; pair < pad.size() / 2; ++pair) {
    int64_t dim = rank - 1 - static_cast<int64_t>(pair);
    int64_t low = pad[2 * pair], high = pad[2 * pair + 1];
    int64_t size = typeOf(result).getDimSize(dim);
    if (low < 0 || high < 0)
      result = sliceDim(s, result, dim, std::max<int64_t>(-low, 0),
                        size - std::max<int64_t>(-high, 0), 1);
    SmallVector<Value> pieces;
    auto fillOf = [&](int64_t amount) {
      std::vector<int64_t> shape(typeOf(result).getShape());
      shape[dim] = amount;
      return s.materialize(at::full(shape, fill, at::TensorOptions(type)));
    };
    if (low > 0)
      pieces.push_back(fillOf(low));
    pieces.push_back(result);
    if (high > 0)
      pieces.push_back(fillOf(high));
    if (pieces.size() > 1)
      result = ds::ConcatOp::create(s.builder, s.loc, pieces, dim);
  }
  s.bindOutput(0, result);
}

void unpack(ImporterState &s) {
  // A copy: binding the outputs grows the map the looked-up value lives in.
  Imported imported = s.lookup(s.node->inputs()[0]);
  if (!imported.isList() || imported.list().size() != s.node->outputs().size())
    s.fail("cannot unpack this value");
  for (size_t i = 0; i < imported.list().size(); ++i)
    s.bindOutput(i, imported.list()[i]);
}

} // namespace

int64_t dsc::ts::clampSliceBound(int64_t bound, int64_t size) {
  if (bound < 0)
    bound += size;
  return std::clamp<int64_t>(bound, 0, size);
}

Value dsc::ts::sliceDim(ImporterState &s, Value self, int64_t dim,
                        int64_t start, int64_t end, int64_t step) {
  ArrayRef<int64_t> shape = typeOf(self).getShape();
  SmallVector<int64_t> starts(shape.size(), 0), limits(shape),
      strides(shape.size(), 1);
  starts[dim] = clampSliceBound(start, shape[dim]);
  limits[dim] = std::max(starts[dim], clampSliceBound(end, shape[dim]));
  strides[dim] = step;
  return ds::SliceOp::create(s.builder, s.loc, self,
                             s.builder.getDenseI64ArrayAttr(starts),
                             s.builder.getDenseI64ArrayAttr(limits),
                             s.builder.getDenseI64ArrayAttr(strides));
}

std::pair<int64_t, int64_t> dsc::ts::selectedRow(ImporterState &s, Value self,
                                                 size_t dimInput) {
  int64_t dim = s.normalizeDim(s.intInput(dimInput), typeOf(self).getRank());
  int64_t size = typeOf(self).getDimSize(dim);
  int64_t index = s.intInput(dimInput + 1);
  if (index < -size || index >= size)
    s.fail(s.opName() + ": index out of range");
  return {dim, index < 0 ? index + size : index};
}

void dsc::ts::addShapeConversions(llvm::StringMap<Conversion> &table) {
  static const std::pair<const char *, Conversion> entries[] = {
      {"aten::view", reshapeToOutput},
      {"aten::reshape", reshapeToOutput},
      {"aten::_unsafe_view", reshapeToOutput},
      {"aten::flatten", reshapeToOutput},
      {"aten::unflatten", reshapeToOutput},
      {"aten::unsqueeze", reshapeToOutput},
      {"aten::squeeze", reshapeToOutput},
      {"aten::view_as", reshapeToOutput},
      {"aten::reshape_as", reshapeToOutput},
      {"aten::expand", expand},
      {"aten::repeat", repeat},
      {"aten::expand_as", expand},
      {"aten::broadcast_to", expand},
      {"aten::transpose", transpose},
      {"aten::swapaxes", transpose},
      {"aten::swapdims", transpose},
      {"aten::t", reverseDims},
      {"aten::numpy_T", reverseDims},
      {"aten::mT", matrixTranspose},
      {"aten::adjoint", matrixTranspose},
      {"aten::mH", matrixTranspose},
      {"aten::permute", permute},
      {"aten::roll", roll},
      {"aten::movedim", movedim},
      {"aten::moveaxis", movedim},
      {"aten::slice", slice},
      {"aten::narrow", narrow},
      {"aten::select", select},
      {"aten::broadcast_tensors", broadcastTensors},
      {"aten::split", split},
      {"aten::split_with_sizes", split},
      {"aten::chunk", chunk},
      {"aten::unbind", unbind},
      {"aten::cat", cat},
      {"aten::hstack", hstack},
      {"aten::vstack", vstack},
      {"aten::row_stack", vstack},
      {"aten::pad", constantPad},
      {"aten::constant_pad_nd", constantPad},
      {"aten::concat", cat},
      {"aten::stack", stack},
      {"aten::repeat_interleave", repeatInterleave},
      {"aten::zeros_like", fullLike<0>},
      {"aten::ones_like", fullLike<1>},
      {"aten::full_like", fullLike<2>},
      {"aten::new_zeros", fullLike<0>},
      {"aten::new_ones", fullLike<1>},
      {"aten::new_full", fullLike<3>},
      // Memory PyTorch leaves uninitialised (DeepSeek-V3 fills its keys
      // by two slice copies): zeros, one of the values it may hold.
      {"aten::new_empty", fullLike<0>},
      {"aten::empty_like", fullLike<0>},
      {"aten::size", size},
      {"aten::dim", dim},
      {"prim::ListConstruct", construct},
      {"prim::TupleConstruct", construct},
      {"prim::ListUnpack", unpack},
      {"prim::TupleUnpack", unpack},
  };
  for (const auto &[name, conversion] : entries)
    table[name] = conversion;
}

std::vector<Value> dsc::ts::tensorList(ImporterState &s, size_t i) {
  const Imported &imported = s.lookup(s.node->inputs()[i]);
  std::vector<Value> tensors;
  if (imported.isList()) {
    for (const Imported &element : imported.list())
      tensors.push_back(s.asTensor(element));
  } else if (imported.isConstant() && imported.constant().isTensorList()) {
    for (const at::Tensor &t : imported.constant().toTensorVector())
      tensors.push_back(s.materialize(t));
  } else {
    s.fail("expected a list of tensors");
  }
  if (tensors.empty())
    s.fail("expected a non-empty list of tensors");
  return tensors;
}
