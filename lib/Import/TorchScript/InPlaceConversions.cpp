//===- InPlaceConversions.cpp - functionalising aten in-place ops ---------===//
//
// Tracing records `x += y` as `aten::add_(%x, %y, 1)`, which writes into the
// tensor `%x`. The ds dialect has value semantics, so such an op is imported
// as its out-of-place form and the result becomes the value of the written
// tensor for every later node: of the op's own output and of every value that
// is the very same tensor object. That is exact as long as nothing else sees
// the memory written to. The example run shows PyTorch's real aliasing (the
// importer runs every node on real tensors), so the check is direct: the
// target must not share memory with a parameter, buffer or model input (the
// write would outlive the step) nor with another tensor used after the op (a
// view of it or the tensor it views would see the change). One such write
// is imported exactly: into a box of a tensor that owns its memory (slices
// with step 1 and selects, `shifted[:, 1:] = ids[:, :-1]`), the tensor
// itself used later: its new value is the old one with the box replaced.
// Core ATen archives carry such writes in functional form (`slice_scatter`,
// `select_scatter`, `copy`, `fill`), imported the same way.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

using namespace mlir;
using namespace dsc::ts;

namespace {

/// Whether `value` (a tensor, or a list or tuple holding some) shares memory
/// with `tensor`.
bool sharesMemory(const c10::IValue &value, const at::Tensor &tensor) {
  if (value.isTensor())
    return value.toTensor().defined() && value.toTensor().is_alias_of(tensor);
  if (value.isList())
    return llvm::any_of(value.toListRef(), [&](const c10::IValue &element) {
      return sharesMemory(element, tensor);
    });
  if (value.isTuple())
    return llvm::any_of(value.toTupleRef().elements(),
                        [&](const c10::IValue &element) {
                          return sharesMemory(element, tensor);
                        });
  return false;
}

bool isSameTensor(const c10::IValue &value, const at::Tensor &tensor) {
  return value.isTensor() &&
         value.toTensor().unsafeGetTensorImpl() == tensor.unsafeGetTensorImpl();
}

/// The first node after `node` that reads `value` (the graph's return node
/// if only that does), or null.
const torch::jit::Node *laterUser(const torch::jit::Value *value,
                                  const torch::jit::Node *node) {
  const torch::jit::Node *ret = node->owningGraph()->return_node();
  const torch::jit::Node *first = nullptr;
  for (const torch::jit::Use &use : value->uses()) {
    if (use.user != ret && !use.user->isAfter(node))
      continue;
    if (!first || first == ret ||
        (use.user != ret && use.user->isBefore(first)))
      first = use.user;
  }
  return first;
}

/// The values defined before `node`: the graph's inputs and the outputs of
/// the nodes before it.
std::vector<const torch::jit::Value *>
valuesBefore(const torch::jit::Node *node) {
  const torch::jit::Graph &graph = *node->owningGraph();
  std::vector<const torch::jit::Value *> values(graph.inputs().begin(),
                                                graph.inputs().end());
  for (const torch::jit::Node *before : graph.nodes()) {
    if (before == node)
      break;
    values.insert(values.end(), before->outputs().begin(),
                  before->outputs().end());
  }
  return values;
}

std::string opName(const ImporterState &s) { return s.opName(); }

/// Where a view lies in the tensor whose memory it views: per dimension of
/// that tensor, the first index and the count.
struct Box {
  SmallVector<int64_t> start, size;
};

/// The box `view` covers in `base`, when `base` is dense (any order of its
/// dimensions in memory: `zeros_like` keeps a transposed layout) and `view`
/// is made of slices with step 1 and selects of it (its dimensions are the
/// box's, in order, but for the selected ones); checked element by element
/// on the logical index each memory position of `base` holds.
std::optional<Box> boxIn(const at::Tensor &view, const at::Tensor &base) {
  if (!base.is_non_overlapping_and_dense() || view.dim() > base.dim() ||
      view.numel() == 0)
    return std::nullopt;
  int64_t offset = view.storage_offset() - base.storage_offset();
  int64_t last = offset;
  for (int64_t j = 0; j < view.dim(); ++j)
    last += (view.size(j) - 1) * view.stride(j);
  if (offset < 0 || last >= base.numel())
    return std::nullopt;
  at::Tensor index = at::arange(base.numel(), at::kLong).view(base.sizes());
  at::Tensor layout =
      at::empty_strided(base.sizes(), base.strides(), at::kLong);
  layout.copy_(index);
  at::Tensor expected =
      layout.as_strided(view.sizes(), view.strides(), offset).reshape(-1);
  // The box starts at the logical position of the view's first element.
  Box box;
  int64_t first = expected[0].item<int64_t>();
  SmallVector<int64_t> start(base.dim());
  for (int64_t j = base.dim() - 1; j >= 0; --j) {
    start[j] = first % base.size(j);
    first /= base.size(j);
  }
  int64_t next = 0;
  for (int64_t j = 0; j < base.dim(); ++j) {
    box.start.push_back(start[j]);
    bool kept = next < view.dim() && view.stride(next) == base.stride(j) &&
                start[j] + view.size(next) <= base.size(j);
    box.size.push_back(kept ? view.size(next++) : 1);
  }
  if (next != view.dim())
    return std::nullopt;
  at::Tensor region = index;
  for (int64_t j = 0; j < base.dim(); ++j)
    region = region.narrow(j, box.start[j], box.size[j]);
  if (!region.reshape(-1).equal(expected))
    return std::nullopt;
  return box;
}

/// The tensor whose memory `written` views, if `written` is a view of a
/// dense tensor lying in a box of it.
std::optional<std::pair<at::Tensor, Box>> viewedBox(const at::Tensor &written) {
  if (!written.is_view())
    return std::nullopt;
  at::Tensor base(at::TensorBase(written._base()));
  std::optional<Box> box = boxIn(written, base);
  if (!box)
    return std::nullopt;
  return std::make_pair(base, *box);
}

/// After an in-place write into a box of another tensor: that tensor's
/// values become its old value with the box replaced by `written`'s new
/// value (a zero-padded copy chosen by a constant mask: exact, and each
/// part's gradient goes where it came from).
void writeThrough(ImporterState &s, const at::Tensor &written, Value value) {
  std::optional<std::pair<at::Tensor, Box>> viewed = viewedBox(written);
  if (!viewed)
    return;
  const auto &[base, box] = *viewed;
  SmallVector<const torch::jit::Value *> holders;
  for (auto &[holder, example] : s.shadow)
    if (isSameTensor(example, base))
      holders.push_back(holder);
  if (holders.empty())
    return;
  Value old = s.asTensor(s.lookup(holders.front()));
  SmallVector<int64_t> steps(box.start.size(), 1);
  Value updated =
      replaceStrided(s, old, reshape(s, value, box.size), box.start, steps);
  for (const torch::jit::Value *holder : holders)
    s.values[holder] = Imported{updated};
}

/// Makes the result of the in-place node the value of the tensor it wrote.
void rebindWritten(ImporterState &s) {
  bindWritten(s, 0, s.lookup(s.node->output()));
}

/// An in-place op whose out-of-place form (its kind without the trailing
/// `_`) has a conversion: converted as that, then made the written tensor's
/// value.
void functionalize(ImporterState &s) {
  // The TorchScript name (`aten::add_`), also for a torch.export archive,
  // whose op names (`aten.add_.Tensor`) are only for messages.
  // `x |= y` is `aten::__ior__`, the in-place `aten::__or__`.
  std::string kind = s.node->kind().toQualString();
  llvm::StringRef name(kind);
  if (name.consume_front("aten::__i") && name.ends_with("__"))
    kind = "aten::__" + name.str();
  else
    kind.pop_back();
  Conversion outOfPlace = findConversion(kind);
  if (!outOfPlace)
    s.fail("unsupported PyTorch op '" + opName(s) + "'");
  outOfPlace(s);
  rebindWritten(s);
}

/// `copy(self, src, non_blocking)`, the functional form core ATen archives
/// hold (`run_decompositions()` turns `copy_` into it): `src` in `self`'s
/// dtype and shape.
void copyOutOfPlace(ImporterState &s) {
  RankedTensorType type = s.outputType();
  Value src = s.tensorInputAs(1, s.outputScalarType());
  if (src.getType() != type)
    src = ds::BroadcastOp::create(s.builder, s.loc, type, src);
  s.bindOutput(0, src);
}

/// `copy_(self, src, non_blocking)`: the functional form's value becomes
/// `self`'s.
void copy(ImporterState &s) {
  copyOutOfPlace(s);
  rebindWritten(s);
}

/// `fill(self, value)`, `zero(self)` (core ATen's functional forms):
/// `value` (0) in `self`'s dtype and shape.
void fillOutOfPlace(ImporterState &s) {
  RankedTensorType type = s.outputType();
  Value value = s.node->inputs().size() > 1
                    ? s.tensorInputAs(1, s.outputScalarType())
                    : scalar(s, 0.0, type.getElementType());
  s.bindOutput(0, ds::BroadcastOp::create(s.builder, s.loc, type, value));
}

/// `fill_(self, value)`, `zero_(self)`: the functional form's value becomes
/// `self`'s.
void fill(ImporterState &s) {
  fillOutOfPlace(s);
  rebindWritten(s);
}

/// Whether `node` is a batch_norm in training mode, which updates its
/// running statistics (inputs 3 and 4) in place although its schema does
/// not say so.
bool updatesRunningStatistics(const torch::jit::Node *node) {
  std::string_view kind = node->kind().toQualString();
  if ((kind != "aten::batch_norm" && kind != "aten::native_batch_norm") ||
      node->inputs().size() <= 5)
    return false;
  std::optional<c10::IValue> training = torch::jit::toIValue(node->inputs()[5]);
  return training && training->isBool() && training->toBool();
}

} // namespace

bool dsc::ts::writesToSelf(const torch::jit::Node *node) {
  const c10::FunctionSchema *schema = node->maybeSchema();
  if (!schema || schema->arguments().empty())
    return false;
  const c10::AliasInfo *alias = schema->arguments()[0].alias_info();
  return alias && alias->isWrite();
}

std::vector<size_t> dsc::ts::writtenInputs(const torch::jit::Node *node) {
  std::vector<size_t> written;
  if (const c10::FunctionSchema *schema = node->maybeSchema())
    for (auto [i, argument] : llvm::enumerate(schema->arguments()))
      if (argument.alias_info() && argument.alias_info()->isWrite() &&
          i < node->inputs().size())
        written.push_back(i);
  if (updatesRunningStatistics(node))
    written.insert(written.end(), {3, 4});
  return written;
}

std::vector<at::Tensor> dsc::ts::writtenTensors(
    const torch::jit::Graph &graph,
    llvm::DenseMap<const torch::jit::Value *, c10::IValue> known) {
  std::vector<at::Tensor> written;
  for (const torch::jit::Node *node : graph.nodes()) {
    if (node->kind() == c10::prim::GetAttr) {
      auto owner = known.find(node->input(0));
      if (owner != known.end() && owner->second.isObject())
        known[node->output()] =
            owner->second.toObjectRef().getAttr(node->s(c10::attr::name));
      continue;
    }
    for (size_t i : writtenInputs(node)) {
      auto target = known.find(node->inputs()[i]);
      if (target == known.end() || !target->second.isTensor())
        continue;
      const at::Tensor &tensor = target->second.toTensor();
      if (llvm::none_of(written,
                        [&](const at::Tensor &t) { return t.is_same(tensor); }))
        written.push_back(tensor);
    }
  }
  return written;
}

bool dsc::ts::writesToArgument(const torch::jit::Node *node) {
  const c10::FunctionSchema *schema = node->maybeSchema();
  return !schema ||
         llvm::any_of(schema->arguments(), [](const c10::Argument &argument) {
           const c10::AliasInfo *alias = argument.alias_info();
           return alias && alias->isWrite();
         });
}

void dsc::ts::bindWritten(ImporterState &s, size_t input, Imported result) {
  at::Tensor written = s.shadowOf(s.node->inputs()[input]).toTensor();
  for (auto &[value, example] : s.shadow)
    if (isSameTensor(example, written))
      s.values[value] = result;
  auto state = s.stateBuffers.find(written.unsafeGetTensorImpl());
  if (state != s.stateBuffers.end())
    s.parameters[state->second.tensor] = s.asTensor(result);
  if (result.isTensor())
    writeThrough(s, written, result.tensor());
}

void dsc::ts::prepareInPlace(ImporterState &s, size_t input, bool folded) {
  const c10::IValue &target = s.shadowOf(s.node->inputs()[input]);
  if (!target.isTensor())
    return;
  const at::Tensor &written = target.toTensor();
  // A state buffer is written whole; a view of one is not imported.
  bool state = s.stateBuffers.count(written.unsafeGetTensorImpl());
  for (const at::Tensor &tensor : s.persistent)
    if (!state && tensor.is_alias_of(written)) {
      s.fail("in-place '" + opName(s) +
             "' writes to a parameter, a model input or a view of a buffer: "
             "the change would outlive the training step, and dsc carries "
             "only whole buffers from step to step; use the out-of-place "
             "form");
    }
  if (folded)
    return;
  // The tensor `written` views, where the write into it is imported.
  std::optional<std::pair<at::Tensor, Box>> viewed = viewedBox(written);
  for (const torch::jit::Value *value : valuesBefore(s.node)) {
    auto example = s.shadow.find(value);
    if (example == s.shadow.end() || isSameTensor(example->second, written) ||
        (viewed && isSameTensor(example->second, viewed->first)) ||
        !sharesMemory(example->second, written))
      continue;
    if (const torch::jit::Node *user = laterUser(value, s.node))
      s.fail("in-place '" + opName(s) +
             "' writes to a tensor that shares memory with another tensor "
             "used later (a view of it or the tensor it views; used " +
             (user->kind() == c10::prim::Return
                  ? std::string("as the result")
                  : "at " + describeLocation(user)) +
             "): dsc imports in-place ops only on tensors nothing else sees; "
             "use the out-of-place form");
  }
  // The example run is about to change the target: constants that hold its
  // memory become ds constants of their current value first.
  for (const torch::jit::Value *input : s.node->inputs()) {
    Imported imported = s.lookup(input);
    if (imported.isConstant() && imported.constant().isTensor() &&
        imported.constant().toTensor().is_alias_of(written))
      s.values[input] = Imported{s.asTensor(imported)};
  }
}

Value dsc::ts::replaceStrided(ImporterState &s, Value base, Value value,
                              ArrayRef<int64_t> start, ArrayRef<int64_t> step) {
  auto type = cast<RankedTensorType>(base.getType());
  Value placed = ds::PadOp::create(s.builder, s.loc, type, value,
                                   s.builder.getDenseI64ArrayAttr(start),
                                   s.builder.getDenseI64ArrayAttr(step));
  // The mask has size 1 along the dimensions written whole (`h[:, 1:]`:
  // [1, S, 1]), so that it stays small beside the activations.
  ArrayRef<int64_t> size = typeOf(value).getShape();
  SmallVector<int64_t> maskShape;
  for (auto [d, full] : llvm::enumerate(type.getShape()))
    maskShape.push_back(size[d] == full ? 1 : full);
  at::Tensor mask = at::zeros(maskShape, at::kBool);
  at::Tensor region = mask;
  for (size_t d = 0; d < start.size(); ++d)
    if (maskShape[d] != 1)
      region = region.slice(d, start[d], start[d] + size[d] * step[d], step[d]);
  region.fill_(true);
  return ds::SelectOp::create(s.builder, s.loc, s.materialize(mask), placed,
                              base);
}

namespace {

/// `self` with `count` elements from `start` on in steps of `step` along
/// `dim` replaced by `src`, whose shape must be that slice's.
void bindScattered(ImporterState &s, Value self, Value src, int64_t dim,
                   int64_t start, int64_t step, int64_t count) {
  ArrayRef<int64_t> shape = typeOf(self).getShape();
  SmallVector<int64_t> starts(shape.size(), 0), steps(shape.size(), 1),
      expected(shape);
  starts[dim] = start;
  steps[dim] = step;
  expected[dim] = count;
  if (typeOf(src).getShape() != ArrayRef<int64_t>(expected))
    s.fail(s.opName() + ": the source's shape is not the slice's");
  s.bindOutput(0, replaceStrided(s, self, src, starts, steps));
}

/// `slice_scatter(self, src, dim, start, end, step)`, the functional form of
/// `x[..., a:b:c] = src` in core ATen archives: `self` with that slice
/// replaced by `src`.
void sliceScatter(ImporterState &s) {
  Value self = s.tensorInput(0);
  Value src = s.tensorInputAs(1, s.outputScalarType());
  int64_t rank = typeOf(self).getRank();
  int64_t dim = s.normalizeDim(s.intInput(2), rank);
  int64_t size = typeOf(self).getDimSize(dim);
  int64_t start = clampSliceBound(isNone(s, 3) ? 0 : s.intInput(3), size);
  int64_t end = clampSliceBound(isNone(s, 4) ? size : s.intInput(4), size);
  int64_t step = s.intInput(5);
  if (step < 1)
    s.fail("aten::slice_scatter needs a positive step");
  int64_t count = end > start ? (end - start + step - 1) / step : 0;
  bindScattered(s, self, src, dim, start, step, count);
}

/// `select_scatter(self, src, dim, index)`, the functional form of
/// `x[:, i] = src`: `self` with that row replaced by `src`.
void selectScatter(ImporterState &s) {
  Value self = s.tensorInput(0);
  Value src = s.tensorInputAs(1, s.outputScalarType());
  auto [dim, index] = selectedRow(s, self, 2);
  SmallVector<int64_t> row(typeOf(src).getShape());
  if (static_cast<int64_t>(row.size()) != typeOf(self).getRank() - 1)
    s.fail("aten::select_scatter: the source's shape is not the row's");
  row.insert(row.begin() + dim, 1);
  bindScattered(s, self, reshape(s, src, row), dim, index, 1, 1);
}

} // namespace

void dsc::ts::addInPlaceConversions(llvm::StringMap<Conversion> &table) {
  for (const char *name : {"aten::add_",
                           "aten::sub_",
                           "aten::mul_",
                           "aten::div_",
                           "aten::masked_fill_",
                           "aten::neg_",
                           "aten::exp_",
                           "aten::log_",
                           "aten::sqrt_",
                           "aten::rsqrt_",
                           "aten::tanh_",
                           "aten::relu_",
                           "aten::silu_",
                           "aten::sigmoid_",
                           "aten::pow_",
                           "aten::clamp_",
                           "aten::clamp_min_",
                           "aten::clamp_max_",
                           "aten::tril_",
                           "aten::triu_",
                           "aten::dropout_",
                           "aten::detach_",
                           "aten::bitwise_or_",
                           "aten::bitwise_and_",
                           "aten::logical_or_",
                           "aten::logical_and_",
                           "aten::__ior__",
                           "aten::__iand__",
                           "aten::__ixor__",
                           "aten::index_put_",
                           "aten::scatter_",
                           "aten::scatter_add_",
                           "aten::index_add_",
                           "aten::feature_dropout_",
                           "aten::masked_scatter_",
                           "aten::alpha_dropout_",
                           "aten::feature_alpha_dropout_",
                           "aten::floor_",
                           "aten::ceil_",
                           "aten::trunc_",
                           "aten::round_",
                           "aten::uniform_",
                           "aten::normal_",
                           "aten::bernoulli_"})
    table[name] = functionalize;
  table["aten::copy_"] = copy;
  table["aten::copy"] = copyOutOfPlace;
  table["aten::fill_"] = fill;
  table["aten::zero_"] = fill;
  table["aten::fill"] = fillOutOfPlace;
  table["aten::zero"] = fillOutOfPlace;
  table["aten::slice_scatter"] = sliceScatter;
  table["aten::select_scatter"] = selectScatter;
}
