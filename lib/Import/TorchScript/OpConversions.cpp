//===- OpConversions.cpp - aten ops with non-constant inputs to ds ops ----===//
//
// One conversion per aten op kind, registered by qualified name. Nodes whose
// inputs are all constants never get here: the importer evaluates them with
// LibTorch. Each conversion reads TorchScript's recorded output type where
// the op's semantics need it (reshapes, broadcasts), and convertNode checks
// that every tensor it produced has exactly the recorded type.
//
//===----------------------------------------------------------------------===//

#include "ImporterState.h"

#include "llvm/ADT/StringMap.h"

#include <limits>

using namespace mlir;
using namespace dsc::ts;

namespace {

using Conversion = void (*)(ImporterState &);

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

bool isNone(ImporterState &s, size_t i) {
  const Imported &imported = s.lookup(s.node->inputs()[i]);
  return imported.isConstant() && imported.constant().isNone();
}

Value reshape(ImporterState &s, Value v, RankedTensorType type) {
  if (v.getType() == type)
    return v;
  return ds::ReshapeOp::create(s.builder, s.loc, type, v);
}

Value reshape(ImporterState &s, Value v, ArrayRef<int64_t> shape) {
  return reshape(s, v, typeOf(v).clone(shape));
}

/// A 0-d constant of `elementType` holding `value`.
Value scalar(ImporterState &s, double value, Type elementType) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute attr = isa<FloatType>(elementType)
                       ? Attribute(FloatAttr::get(elementType, value))
                       : Attribute(IntegerAttr::get(
                             elementType, static_cast<int64_t>(value)));
  return ds::ConstantOp::create(s.builder, s.loc, type,
                                DenseElementsAttr::get(type, attr));
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

template <typename OpTy> void unary(ImporterState &s) {
  s.bindOutput(0, OpTy::create(s.builder, s.loc,
                               s.tensorInputAs(0, s.outputScalarType())));
}

template <typename OpTy> void binary(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value lhs = s.tensorInputAs(0, type), rhs = s.tensorInputAs(1, type);
  s.bindOutput(0, OpTy::create(s.builder, s.loc, lhs, rhs));
}

/// `add`/`sub` with `alpha`: `self op alpha * other`.
template <typename OpTy> void binaryWithAlpha(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value lhs = s.tensorInputAs(0, type), rhs = s.tensorInputAs(1, type);
  if (s.node->inputs().size() > 2) {
    double alpha = s.doubleInput(2);
    if (alpha != 1.0)
      rhs = ds::MulOp::create(s.builder, s.loc, rhs,
                              scalar(s, alpha, s.elementType(type)));
  }
  s.bindOutput(0, OpTy::create(s.builder, s.loc, lhs, rhs));
}

/// `rsub(self, other, alpha)`: `other - alpha * self`.
void rsub(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value self = s.tensorInputAs(0, type), other = s.tensorInputAs(1, type);
  double alpha = s.node->inputs().size() > 2 ? s.doubleInput(2) : 1.0;
  if (alpha != 1.0)
    self = ds::MulOp::create(s.builder, s.loc, self,
                             scalar(s, alpha, s.elementType(type)));
  s.bindOutput(0, ds::SubOp::create(s.builder, s.loc, other, self));
}

void div(ImporterState &s) {
  if (s.node->inputs().size() > 2 && !isNone(s, 2))
    s.fail("aten::div with a rounding mode is not supported");
  binary<ds::DivOp>(s);
}

/// Compares in the promoted type of the tensor operands, as PyTorch does
/// (a Python number takes the tensor's type).
template <ds::CompareDirection direction> void compare(ImporterState &s) {
  std::optional<c10::ScalarType> common;
  for (size_t i = 0; i < 2; ++i)
    if (std::optional<c10::ScalarType> type = s.inputScalarType(i))
      common = common ? c10::promoteTypes(*common, *type) : *type;
  if (!common)
    s.fail("comparison without a tensor operand");
  Value lhs = s.tensorInputAs(0, *common), rhs = s.tensorInputAs(1, *common);
  s.bindOutput(0, ds::CompareOp::create(s.builder, s.loc, direction, lhs, rhs));
}

void pow(ImporterState &s) {
  if (!s.hasConstantInput(1))
    s.fail("aten::pow with a tensor exponent is not supported");
  Value input = s.tensorInputAs(0, s.outputScalarType());
  s.bindOutput(0, ds::PowOp::create(s.builder, s.loc, input,
                                    llvm::APFloat(s.doubleInput(1))));
}

void gelu(ImporterState &s) {
  std::string mode = s.node->inputs().size() > 1
                         ? s.constantInput(1).toStringRef()
                         : std::string("none");
  if (mode != "none" && mode != "tanh")
    s.fail("aten::gelu with approximate='" + mode + "'");
  s.bindOutput(0, ds::GeluOp::create(s.builder, s.loc, s.tensorInput(0),
                                     mode == "tanh"
                                         ? ds::GeluApproximation::Tanh
                                         : ds::GeluApproximation::None));
}

void where(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value cond = s.tensorInputAs(0, c10::ScalarType::Bool);
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, cond,
                                       s.tensorInputAs(1, type),
                                       s.tensorInputAs(2, type)));
}

void maskedFill(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  Value self = s.tensorInputAs(0, type);
  Value mask = s.tensorInputAs(1, c10::ScalarType::Bool);
  Value fill = s.tensorInputAs(2, type);
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, mask, fill, self));
}

/// `triu`/`tril` of a computed tensor: select it against a constant mask.
template <bool upper> void triangle(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t diagonal = s.node->inputs().size() > 1 ? s.intInput(1) : 0;
  ArrayRef<int64_t> shape = typeOf(self).getShape();
  if (shape.size() < 2)
    s.fail("triu/tril need rank >= 2");
  at::Tensor ones = at::ones({shape[shape.size() - 2], shape.back()},
                             at::TensorOptions(c10::ScalarType::Bool));
  at::Tensor keep = upper ? at::triu(ones, diagonal) : at::tril(ones, diagonal);
  Value zero = scalar(s, 0, typeOf(self).getElementType());
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, s.materialize(keep),
                                       self, zero));
}

void convert(ImporterState &s) {
  s.bindOutput(0, s.tensorInputAs(0, s.outputScalarType()));
}

void identity(ImporterState &s) { s.bindOutput(0, s.tensorInput(0)); }

void dropout(ImporterState &s) {
  double p = s.doubleInput(1);
  bool train = s.constantInput(2).toBool();
  if (train && p > 0)
    s.fail("dropout with p = " + std::to_string(p) +
           " in training mode: dsc does not model random numbers yet; use "
           "p = 0 or trace the model in eval mode");
  identity(s);
}

//===----------------------------------------------------------------------===//
// Products, reductions, normalisations, losses
//===----------------------------------------------------------------------===//

void linear(ImporterState &s) {
  Value bias = isNone(s, 2) ? Value() : s.tensorInput(2);
  s.bindOutput(0, ds::LinearOp::create(s.builder, s.loc, s.tensorInput(0),
                                       s.tensorInput(1), bias));
}

void matmul(ImporterState &s) {
  Value lhs = s.tensorInput(0), rhs = s.tensorInput(1);
  RankedTensorType result = s.outputType();
  // torch.matmul promotes vectors to matrices and drops the added dims.
  if (typeOf(lhs).getRank() == 1)
    lhs = reshape(s, lhs, {1, typeOf(lhs).getDimSize(0)});
  if (typeOf(rhs).getRank() == 1)
    rhs = reshape(s, rhs, {typeOf(rhs).getDimSize(0), 1});
  Value product = ds::MatmulOp::create(s.builder, s.loc, lhs, rhs);
  s.bindOutput(0, reshape(s, product, result));
}

void addmm(ImporterState &s) {
  Type elementType = s.elementType(s.outputScalarType());
  Value product =
      ds::MatmulOp::create(s.builder, s.loc, s.tensorInput(1), s.tensorInput(2));
  double beta = s.doubleInput(3), alpha = s.doubleInput(4);
  Value bias = s.tensorInput(0);
  if (alpha != 1.0)
    product = ds::MulOp::create(s.builder, s.loc, product,
                                scalar(s, alpha, elementType));
  if (beta != 1.0)
    bias = ds::MulOp::create(s.builder, s.loc, bias,
                             scalar(s, beta, elementType));
  s.bindOutput(0, ds::AddOp::create(s.builder, s.loc, bias, product));
}

/// `sum`/`mean` with `(self, dims, keepdim, dtype)` or `(self, dtype)`.
template <typename OpTy> void reduce(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t rank = typeOf(self).getRank();
  std::vector<int64_t> dims;
  bool keepdim = false;
  size_t dtypeIndex = 1;
  if (s.node->inputs().size() >= 4) {
    if (!isNone(s, 1))
      dims = s.intListInput(1);
    keepdim = s.constantInput(2).toBool();
    dtypeIndex = 3;
  }
  if (dims.empty())
    for (int64_t d = 0; d < rank; ++d)
      dims.push_back(d);
  for (int64_t &d : dims)
    d = s.normalizeDim(d, rank);
  llvm::sort(dims);
  if (!isNone(s, dtypeIndex))
    self = s.convertTo(self, s.elementType(s.outputScalarType()));
  if (rank == 0) {
    s.bindOutput(0, self);
    return;
  }
  s.bindOutput(0, OpTy::create(s.builder, s.loc, self,
                               s.builder.getDenseI64ArrayAttr(dims), keepdim));
}

void amax(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t rank = typeOf(self).getRank();
  std::vector<int64_t> dims = s.intListInput(1);
  for (int64_t &d : dims)
    d = s.normalizeDim(d, rank);
  llvm::sort(dims);
  s.bindOutput(0, ds::MaxOp::create(s.builder, s.loc, self,
                                    s.builder.getDenseI64ArrayAttr(dims),
                                    s.constantInput(2).toBool()));
}

template <typename OpTy> void softmax(ImporterState &s) {
  Value self = s.tensorInputAs(0, s.outputScalarType());
  int64_t dim = s.normalizeDim(s.intInput(1), typeOf(self).getRank());
  s.bindOutput(0, OpTy::create(s.builder, s.loc, self, dim));
}

void layerNorm(ImporterState &s) {
  Value input = s.tensorInput(0);
  std::vector<int64_t> normalized = s.intListInput(1);
  if (normalized.size() != 1 ||
      normalized[0] != typeOf(input).getShape().back())
    s.fail("aten::layer_norm over more than the last dimension is not "
           "supported");
  Value weight = isNone(s, 2) ? Value() : s.tensorInput(2);
  Value bias = isNone(s, 3) ? Value() : s.tensorInput(3);
  s.bindOutput(0, ds::LayerNormOp::create(s.builder, s.loc, input, weight, bias,
                                          llvm::APFloat(s.doubleInput(4))));
}

void embedding(ImporterState &s) {
  s.bindOutput(0, ds::EmbeddingOp::create(s.builder, s.loc, s.tensorInput(0),
                                          s.tensorInput(1)));
}

/// Moves PyTorch's class dimension (1) of a rank > 2 input to the end.
Value classesLast(ImporterState &s, Value logits) {
  int64_t rank = typeOf(logits).getRank();
  if (rank <= 2)
    return logits;
  SmallVector<int64_t> perm = {0};
  for (int64_t d = 2; d < rank; ++d)
    perm.push_back(d);
  perm.push_back(1);
  return ds::TransposeOp::create(s.builder, s.loc, logits,
                                 s.builder.getDenseI64ArrayAttr(perm));
}

/// `(self, target, weight, reduction, ignore_index[, label_smoothing])`.
void checkLossOptions(ImporterState &s, const char *name) {
  if (!isNone(s, 2))
    s.fail(std::string(name) + " with class weights is not supported");
  if (s.intInput(3) != 1)
    s.fail(std::string(name) + " supports reduction='mean' only");
  if (s.node->inputs().size() > 5 && s.doubleInput(5) != 0.0)
    s.fail(std::string(name) + " with label smoothing is not supported");
}

void crossEntropy(ImporterState &s) {
  checkLossOptions(s, "cross_entropy");
  Value logits = classesLast(s, s.tensorInput(0));
  s.bindOutput(0, ds::CrossEntropyOp::create(s.builder, s.loc, logits,
                                             s.tensorInput(1), s.intInput(4)));
}

void nllLoss(ImporterState &s) {
  checkLossOptions(s, "nll_loss");
  auto logSoftmax = s.tensorInput(0).getDefiningOp<ds::LogSoftmaxOp>();
  int64_t classDim = typeOf(s.tensorInput(0)).getRank() <= 2 ? -1 : 1;
  if (!logSoftmax ||
      logSoftmax.getDim() !=
          s.normalizeDim(classDim, typeOf(s.tensorInput(0)).getRank()))
    s.fail("nll_loss is supported on the output of log_softmax over the "
           "classes only (that pair is cross_entropy)");
  Value logits = classesLast(s, logSoftmax.getInput());
  s.bindOutput(0, ds::CrossEntropyOp::create(s.builder, s.loc, logits,
                                             s.tensorInput(1), s.intInput(4)));
}

/// `(query, key, value, attn_mask, dropout_p, is_causal[, scale])`.
void scaledDotProductAttention(ImporterState &s) {
  if (!isNone(s, 3))
    s.fail("scaled_dot_product_attention with an explicit attn_mask is not "
           "supported; use is_causal");
  if (s.doubleInput(4) != 0.0)
    s.fail("scaled_dot_product_attention with dropout_p > 0 is not supported");
  Value q = s.tensorInput(0);
  double scale = 1.0 / std::sqrt(static_cast<double>(typeOf(q).getShape().back()));
  if (s.node->inputs().size() > 6 && !isNone(s, 6))
    scale = s.doubleInput(6);
  s.bindOutput(0, ds::AttentionOp::create(
                      s.builder, s.loc, q, s.tensorInput(1), s.tensorInput(2),
                      s.constantInput(5).toBool(), llvm::APFloat(scale)));
}

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

void transposeDims(ImporterState &s, Value self, int64_t a, int64_t b) {
  int64_t rank = typeOf(self).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[s.normalizeDim(a, rank)], perm[s.normalizeDim(b, rank)]);
  s.bindOutput(0, ds::TransposeOp::create(s.builder, s.loc, self,
                                          s.builder.getDenseI64ArrayAttr(perm)));
}

void transpose(ImporterState &s) {
  transposeDims(s, s.tensorInput(0), s.intInput(1), s.intInput(2));
}

void matrixTranspose(ImporterState &s) {
  Value self = s.tensorInput(0);
  if (typeOf(self).getRank() < 2)
    return s.bindOutput(0, self);
  transposeDims(s, self, 0, 1);
}

void permute(ImporterState &s) {
  Value self = s.tensorInput(0);
  std::vector<int64_t> perm = s.intListInput(1);
  for (int64_t &d : perm)
    d = s.normalizeDim(d, typeOf(self).getRank());
  s.bindOutput(0, ds::TransposeOp::create(s.builder, s.loc, self,
                                          s.builder.getDenseI64ArrayAttr(perm)));
}

/// Clamps a Python slice bound as `aten::slice` does.
int64_t clampBound(int64_t bound, int64_t size) {
  if (bound < 0)
    bound += size;
  return std::clamp<int64_t>(bound, 0, size);
}

Value sliceDim(ImporterState &s, Value self, int64_t dim, int64_t start,
               int64_t end, int64_t step) {
  ArrayRef<int64_t> shape = typeOf(self).getShape();
  SmallVector<int64_t> starts(shape.size(), 0), limits(shape), strides(shape.size(), 1);
  starts[dim] = clampBound(start, shape[dim]);
  limits[dim] = std::max(starts[dim], clampBound(end, shape[dim]));
  strides[dim] = step;
  return ds::SliceOp::create(s.builder, s.loc, self,
                             s.builder.getDenseI64ArrayAttr(starts),
                             s.builder.getDenseI64ArrayAttr(limits),
                             s.builder.getDenseI64ArrayAttr(strides));
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

void select(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t rank = typeOf(self).getRank();
  int64_t dim = s.normalizeDim(s.intInput(1), rank);
  int64_t size = typeOf(self).getDimSize(dim);
  int64_t index = s.intInput(2);
  if (index < -size || index >= size)
    s.fail("aten::select index out of range");
  if (index < 0)
    index += size;
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
    for (int64_t begin = 0; begin < size; begin += chunk)
      sizes.push_back(std::min(chunk, size - begin));
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
  int64_t each = (size + chunks - 1) / chunks;
  std::vector<int64_t> sizes;
  for (int64_t begin = 0; begin < size; begin += each)
    sizes.push_back(std::min(each, size - begin));
  bindPieces(s, self, dim, sizes);
}

void unbind(ImporterState &s) {
  Value self = s.tensorInput(0);
  int64_t dim = s.normalizeDim(s.intInput(1), typeOf(self).getRank());
  std::vector<int64_t> sizes(typeOf(self).getDimSize(dim), 1);
  bindPieces(s, self, dim, sizes, /*squeeze=*/true);
}

std::vector<Value> tensorList(ImporterState &s, size_t i) {
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

void cat(ImporterState &s) {
  c10::ScalarType type = s.outputScalarType();
  std::vector<Value> tensors = tensorList(s, 0);
  for (Value &t : tensors)
    t = s.convertTo(t, s.elementType(type));
  int64_t dim = s.normalizeDim(s.intInput(1), typeOf(tensors[0]).getRank());
  s.bindOutput(0, ds::ConcatOp::create(s.builder, s.loc, tensors, dim));
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
/// attention recognition matches for grouped-query attention).
void repeatInterleave(ImporterState &s) {
  Value self = s.tensorInput(0);
  if (isNone(s, 2))
    s.fail("repeat_interleave without dim is not supported");
  int64_t dim = s.normalizeDim(s.intInput(2), typeOf(self).getRank());
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

/// `zeros_like`, `ones_like`, `full_like`: a splat of the output type.
template <int kind> void fullLike(ImporterState &s) {
  RankedTensorType type = s.outputType();
  double value = kind == 2 ? s.doubleInput(1) : kind;
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

void unpack(ImporterState &s) {
  const Imported &imported = s.lookup(s.node->inputs()[0]);
  if (!imported.isList() || imported.list().size() != s.node->outputs().size())
    s.fail("cannot unpack this value");
  for (size_t i = 0; i < imported.list().size(); ++i)
    s.bindOutput(i, imported.list()[i]);
}

const llvm::StringMap<Conversion> &conversions() {
  static const llvm::StringMap<Conversion> table = {
      {"aten::add", binaryWithAlpha<ds::AddOp>},
      {"aten::sub", binaryWithAlpha<ds::SubOp>},
      {"aten::rsub", rsub},
      {"aten::mul", binary<ds::MulOp>},
      {"aten::div", div},
      {"aten::maximum", binary<ds::MaximumOp>},
      {"aten::eq", compare<ds::CompareDirection::EQ>},
      {"aten::ne", compare<ds::CompareDirection::NE>},
      {"aten::lt", compare<ds::CompareDirection::LT>},
      {"aten::le", compare<ds::CompareDirection::LE>},
      {"aten::gt", compare<ds::CompareDirection::GT>},
      {"aten::ge", compare<ds::CompareDirection::GE>},
      {"aten::neg", unary<ds::NegOp>},
      {"aten::exp", unary<ds::ExpOp>},
      {"aten::log", unary<ds::LogOp>},
      {"aten::sqrt", unary<ds::SqrtOp>},
      {"aten::rsqrt", unary<ds::RsqrtOp>},
      {"aten::tanh", unary<ds::TanhOp>},
      {"aten::relu", unary<ds::ReluOp>},
      {"aten::silu", unary<ds::SiluOp>},
      {"aten::sigmoid", unary<ds::SigmoidOp>},
      {"aten::pow", pow},
      {"aten::gelu", gelu},
      {"aten::where", where},
      {"aten::masked_fill", maskedFill},
      {"aten::triu", triangle<true>},
      {"aten::tril", triangle<false>},
      {"aten::to", convert},
      {"aten::type_as", convert},
      {"aten::float", convert},
      {"aten::double", convert},
      {"aten::half", convert},
      {"aten::bfloat16", convert},
      {"aten::long", convert},
      {"aten::int", convert},
      {"aten::contiguous", identity},
      {"aten::clone", identity},
      {"aten::detach", identity},
      {"aten::alias", identity},
      {"aten::dropout", dropout},
      {"aten::linear", linear},
      {"aten::matmul", matmul},
      {"aten::mm", matmul},
      {"aten::bmm", matmul},
      {"aten::addmm", addmm},
      {"aten::sum", reduce<ds::SumOp>},
      {"aten::mean", reduce<ds::MeanOp>},
      {"aten::amax", amax},
      {"aten::softmax", softmax<ds::SoftmaxOp>},
      {"aten::log_softmax", softmax<ds::LogSoftmaxOp>},
      {"aten::layer_norm", layerNorm},
      {"aten::embedding", embedding},
      {"aten::cross_entropy_loss", crossEntropy},
      {"aten::nll_loss", nllLoss},
      {"aten::nll_loss_nd", nllLoss},
      {"aten::scaled_dot_product_attention", scaledDotProductAttention},
      {"aten::view", reshapeToOutput},
      {"aten::reshape", reshapeToOutput},
      {"aten::_unsafe_view", reshapeToOutput},
      {"aten::flatten", reshapeToOutput},
      {"aten::unsqueeze", reshapeToOutput},
      {"aten::squeeze", reshapeToOutput},
      {"aten::view_as", reshapeToOutput},
      {"aten::reshape_as", reshapeToOutput},
      {"aten::expand", expand},
      {"aten::expand_as", expand},
      {"aten::broadcast_to", expand},
      {"aten::transpose", transpose},
      {"aten::t", matrixTranspose},
      {"aten::permute", permute},
      {"aten::slice", slice},
      {"aten::select", select},
      {"aten::split", split},
      {"aten::split_with_sizes", split},
      {"aten::chunk", chunk},
      {"aten::unbind", unbind},
      {"aten::cat", cat},
      {"aten::concat", cat},
      {"aten::stack", stack},
      {"aten::repeat_interleave", repeatInterleave},
      {"aten::zeros_like", fullLike<0>},
      {"aten::ones_like", fullLike<1>},
      {"aten::full_like", fullLike<2>},
      {"aten::size", size},
      {"aten::dim", dim},
      {"prim::ListConstruct", construct},
      {"prim::TupleConstruct", construct},
      {"prim::ListUnpack", unpack},
      {"prim::TupleUnpack", unpack},
  };
  return table;
}

/// Checks that what a conversion produced has the type of the example
/// result: an importer bug must not silently change a model's numerics.
void checkOutputTypes(ImporterState &s) {
  for (size_t i = 0; i < s.node->outputs().size(); ++i) {
    auto it = s.values.find(s.node->outputs()[i]);
    if (it == s.values.end() || !it->second.isTensor() ||
        !s.shadowOf(s.node->outputs()[i]).isTensor())
      continue;
    RankedTensorType expected = s.outputType(i);
    if (it->second.tensor().getType() != expected) {
      std::string got;
      llvm::raw_string_ostream os(got);
      os << it->second.tensor().getType() << " where PyTorch computes "
         << expected;
      s.fail("internal error: '" + std::string(s.node->kind().toQualString()) +
             "' was imported as " + got);
    }
  }
}

} // namespace

bool dsc::ts::convertNode(ImporterState &state) {
  auto it = conversions().find(state.node->kind().toQualString());
  if (it == conversions().end())
    return false;
  it->second(state);
  checkOutputTypes(state);
  return true;
}
