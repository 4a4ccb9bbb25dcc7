//===- DropoutConversions.cpp - dropout and random numbers ---------------===//
//
// dropout, native_dropout, the channel and alpha dropouts (docs/dropout.md)
// and the random draws rand, rand_like, uniform and bernoulli. Each active
// draw reads the step counter the import adds (ImporterState::dropoutStep)
// and takes the next stream: an element-wise or channel dropout draws its
// mask with ds.dropout_mask and computes ATen's CPU dropout from it; the
// others draw uniform numbers with ds.uniform. Alpha dropouts import as
// nothing when inactive and are refused in training.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

using namespace mlir;
using namespace dsc::ts;

int64_t dsc::ts::drawStreams(ImporterState &s) {
  llvm::StringRef kind = s.node->kind().toQualString();
  if (llvm::is_contained(
          {"aten::rand", "aten::rand_like", "aten::uniform", "aten::bernoulli"},
          kind))
    return 1;
  if (llvm::is_contained({"aten::randn", "aten::randn_like", "aten::normal"},
                         kind))
    return 2;
  if (!llvm::is_contained(
          {"aten::dropout", "aten::native_dropout", "aten::feature_dropout"},
          kind) ||
      s.node->inputs().size() < 3 || !s.hasConstantInput(1) ||
      !s.hasConstantInput(2))
    return 0;
  const c10::IValue &p = s.constantInput(1), &train = s.constantInput(2);
  bool active = train.isBool() && train.toBool() && p.isDouble() &&
                p.toDouble() > 0 && p.toDouble() < 1;
  return active ? 1 : 0;
}

void dsc::ts::checkDropoutProbability(ImporterState &s, double p) {
  if (!(p >= 0 && p <= 1))
    s.fail("dropout probability has to be between 0 and 1, but got " +
           std::to_string(p));
}

namespace {

/// The float tensor x of a dropout with probability p (checked).
Value dropoutInput(ImporterState &s, double p) {
  checkDropoutProbability(s, p);
  Value x = s.tensorInput(0);
  if (!isa<FloatType>(typeOf(x).getElementType()))
    s.fail("dropout of a non-float tensor");
  return x;
}

/// The elements of `shape` a dropout with probability 0 < p < 1 keeps: the
/// next stream's draw (docs/dropout.md).
Value drawKept(ImporterState &s, ArrayRef<int64_t> shape, double p) {
  return ds::DropoutMaskOp::create(
      s.builder, s.loc, RankedTensorType::get(shape, s.builder.getI1Type()),
      s.dropoutStep(), s.builder.getF64FloatAttr(p),
      s.builder.getI64IntegerAttr(s.nextDropoutStream++),
      s.builder.getI64IntegerAttr(0));
}

} // namespace

/// `F.dropout(x, p, training)` as ATen's CPU path computes it, `x * noise`
/// with the noise the draw divided by 1 - p in x's type, written
/// `select(keep, x * scale, x * 0)`: the same values (a dropped NaN stays
/// NaN) and the same gradient, `grad * scale` or `grad * 0`, while the
/// one-byte mask, not a noise tensor, is what the backward keeps and what a
/// rank holding a piece of x slices. `x` is a float tensor, 0 < p <= 1.
/// The mask is drawn in `maskShape` (x's by default; a channel dropout's
/// [N, C, 1, ...]) and broadcast to x's.
Value dsc::ts::dropElements(ImporterState &s, Value x, double p,
                            std::optional<ArrayRef<int64_t>> maskShape) {
  RankedTensorType type = typeOf(x);
  auto element = cast<FloatType>(type.getElementType());
  Value dropped = ds::MulOp::create(s.builder, s.loc, x, scalar(s, 0, element));
  if (p == 1) // ATen: input * 0
    return dropped;
  Value keep = drawKept(s, maskShape.value_or(type.getShape()), p);
  RankedTensorType keepType = type.clone(s.builder.getI1Type());
  if (keep.getType() != keepType)
    keep = ds::BroadcastOp::create(s.builder, s.loc, keepType, keep);
  // bernoulli_'s 1.0 divided by the scalar 1 - p: in double for a double
  // tensor, else in float (ATen's op math), rounded to x's type.
  double scale = element.isF64()
                     ? 1.0 / (1.0 - p)
                     : static_cast<double>(1.0f / static_cast<float>(1.0 - p));
  Value kept =
      ds::MulOp::create(s.builder, s.loc, x, scalar(s, scale, element));
  return ds::SelectOp::create(s.builder, s.loc, keep, kept, dropped);
}

namespace {

void dropout(ImporterState &s) {
  double p = s.doubleInput(1);
  Value x = dropoutInput(s, p);
  if (!s.constantInput(2).toBool() || p == 0)
    return s.bindOutput(0, x);
  s.bindOutput(0, dropElements(s, x, p));
}

/// `native_dropout(x, p, train)` (what run_decompositions() makes of
/// dropout) as ATen's CPU kernel: the mask, and `x.mul(mask).mul_(scale)`
/// with scale = 1 / (1 - p) (0 at p = 1) taken in x's type by the in-place
/// product, as a select of `x * scale` and `x * 0 * scale`. train = None
/// scales the forward but not PyTorch's gradient: refused.
void nativeDropout(ImporterState &s) {
  double p = s.doubleInput(1);
  Value x = dropoutInput(s, p);
  const c10::IValue &train = s.constantInput(2);
  if (train.isNone())
    s.fail("native_dropout with train=None (PyTorch does not scale its "
           "gradient) is not supported; pass train=True or use dropout");
  RankedTensorType type = typeOf(x);
  RankedTensorType maskType = type.clone(s.builder.getI1Type());
  auto all = [&](bool value) -> Value {
    return ds::ConstantOp::create(
        s.builder, s.loc, maskType,
        DenseElementsAttr::get(maskType, s.builder.getBoolAttr(value)));
  };
  if (!train.toBool() || p == 0) {
    s.bindOutput(0, x);
    s.bindOutput(1, all(true));
    return;
  }
  Type element = type.getElementType();
  Value scale = scalar(s, p == 1 ? 0.0 : 1.0 / (1.0 - p), element);
  Value dropped = ds::MulOp::create(s.builder, s.loc, x, scalar(s, 0, element));
  dropped = ds::MulOp::create(s.builder, s.loc, dropped, scale);
  Value keep = p == 1 ? all(false) : drawKept(s, type.getShape(), p);
  Value kept = ds::MulOp::create(s.builder, s.loc, x, scale);
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, keep, kept, dropped));
  s.bindOutput(1, keep);
}

/// `feature_dropout(x, p, train)` (nn.Dropout1d/2d/3d): ATen's
/// `_dropout_impl` draws one Bernoulli noise per channel, of shape [N, C,
/// 1, ...], divides it by 1 - p and multiplies: dropElements with the mask
/// drawn in that shape.
void featureDropout(ImporterState &s) {
  double p = s.doubleInput(1);
  Value x = dropoutInput(s, p);
  if (!s.constantInput(2).toBool() || p == 0)
    return s.bindOutput(0, x);
  ArrayRef<int64_t> shape = typeOf(x).getShape();
  if (shape.size() < 2)
    s.fail("feature dropout needs at least 2 dimensions in the input");
  SmallVector<int64_t> channels(shape.size(), 1);
  channels[0] = shape[0];
  channels[1] = shape[1];
  s.bindOutput(0, dropElements(s, x, p, ArrayRef<int64_t>(channels)));
}

/// Uniform numbers in [0, 1) of `type` (f64, f32, f16 or bf16): the next
/// stream's ds.uniform.
Value drawUniform(ImporterState &s, RankedTensorType type) {
  return ds::UniformOp::create(
      s.builder, s.loc, type, s.dropoutStep(),
      s.builder.getI64IntegerAttr(s.nextDropoutStream++),
      s.builder.getI64IntegerAttr(0));
}

/// Refuses what a draw cannot be: one into an `out=` tensor (the in-place
/// forms, `x.bernoulli_(p)`, come functionalised), and one from a given
/// generator (dsc draws its own numbers; the generator's would be
/// expected).
void checkDraw(ImporterState &s) {
  if (writesToArgument(s.node) &&
      !llvm::StringRef(s.node->kind().toQualString()).ends_with("_"))
    s.fail("'" + s.opName() +
           "' into an out= tensor is not supported; use the tensor it "
           "returns");
  for (const torch::jit::Value *input : s.node->inputs())
    if (s.shadowOf(input).isGenerator())
      s.fail("'" + s.opName() +
             "' with a generator: dsc draws its own random numbers "
             "(docs/dropout.md) and cannot follow a generator's");
}

/// The float type a draw of the current node's output is made in.
RankedTensorType uniformType(ImporterState &s) {
  RankedTensorType type = s.outputType();
  Type element = type.getElementType();
  if (!element.isF64() && !element.isF32() && !element.isF16() &&
      !element.isBF16())
    s.fail("'" + s.opName() + "' of " + c10::toString(s.outputScalarType()) +
           ": dsc draws uniform numbers in float64, float32, float16 and "
           "bfloat16");
  return type;
}

/// `rand(size, dtype, ...)`, `rand_like(x, dtype, ...)`: ds.uniform in the
/// output's shape and type (what the example run made).
void rand(ImporterState &s) {
  checkDraw(s);
  s.bindOutput(0, drawUniform(s, uniformType(s)));
}

/// Standard normal numbers in float64, by Box and Muller from two uniform
/// draws (the next two streams): sqrt(-2 log(1 - u1)) * cos(2 pi u2), where
/// 1 - u1 lies in (0, 1], so the logarithm is finite.
Value drawNormal(ImporterState &s, ArrayRef<int64_t> shape) {
  Type f64 = s.builder.getF64Type();
  auto type = RankedTensorType::get(shape, f64);
  Value u1 = drawUniform(s, type), u2 = drawUniform(s, type);
  Value radius = ds::LogOp::create(
      s.builder, s.loc,
      ds::SubOp::create(s.builder, s.loc, scalar(s, 1, f64), u1));
  radius = ds::SqrtOp::create(
      s.builder, s.loc,
      ds::MulOp::create(s.builder, s.loc, radius, scalar(s, -2, f64)));
  Value angle = ds::CosOp::create(
      s.builder, s.loc,
      ds::MulOp::create(s.builder, s.loc, u2, scalar(s, 2 * M_PI, f64)));
  return ds::MulOp::create(s.builder, s.loc, radius, angle);
}

/// `randn(size, dtype, ...)`, `randn_like(x, dtype, ...)`; `normal_(x,
/// mean, std)` and `normal(mean, std, size)` with numbers for mean and std:
/// drawNormal times std plus mean, in float64, rounded to the result's
/// type once. `normal` of tensor means or deviations (whose gradient
/// PyTorch makes zero) is refused.
void normal(ImporterState &s) {
  checkDraw(s);
  RankedTensorType type = uniformType(s);
  bool inPlace = llvm::StringRef(s.node->kind().toQualString()).ends_with("_");
  double mean = 0, std = 1;
  if (s.node->kind().toQualString() == std::string("aten::normal") || inPlace) {
    size_t first = inPlace ? 1 : 0;
    auto isNumber = [&](size_t i) {
      return s.hasConstantInput(i) && !s.constantInput(i).isTensor();
    };
    if (!isNumber(first) || !isNumber(first + 1))
      s.fail("'" + s.opName() +
             "' with a tensor mean or std is not supported (PyTorch gives "
             "them no gradient); write mean + std * torch.randn_like(mean)");
    mean = s.doubleInput(first);
    std = s.doubleInput(first + 1);
    if (!(std >= 0))
      s.fail("normal expects std >= 0.0, but found std " + std::to_string(std));
  }
  Type f64 = s.builder.getF64Type();
  Value z = drawNormal(s, type.getShape());
  if (std != 1)
    z = ds::MulOp::create(s.builder, s.loc, z, scalar(s, std, f64));
  if (mean != 0)
    z = ds::AddOp::create(s.builder, s.loc, z, scalar(s, mean, f64));
  s.bindOutput(0, s.convertTo(z, type.getElementType()));
}

/// `uniform(x, from, to)` (`x.uniform_(a, b)`, nn.init.uniform_): the draw
/// times to - from plus from, in x's type.
void uniform(ImporterState &s) {
  checkDraw(s);
  RankedTensorType type = uniformType(s);
  double from = s.doubleInput(1), to = s.doubleInput(2);
  if (!(from <= to))
    s.fail("uniform expects from <= to, but got from=" + std::to_string(from) +
           " and to=" + std::to_string(to));
  Value u = drawUniform(s, type);
  if (to - from != 1)
    u = ds::MulOp::create(s.builder, s.loc, u,
                          scalar(s, to - from, type.getElementType()));
  if (from != 0)
    u = ds::AddOp::create(s.builder, s.loc, u,
                          scalar(s, from, type.getElementType()));
  s.bindOutput(0, u);
}

/// `bernoulli(x)` (x holds the probabilities), `bernoulli(x, p)` with p a
/// number or a tensor that broadcasts to x (`x.bernoulli_(p)`, timm's and
/// torchvision's drop path): 1 where a float64 uniform draw in x's shape
/// is below the probability, else 0, in x's type. No gradient reaches the
/// probabilities, as in PyTorch.
void bernoulli(ImporterState &s) {
  checkDraw(s);
  RankedTensorType type = s.outputType();
  Type f64 = s.builder.getF64Type();
  Value probability;
  const torch::jit::Value *given = s.node->inputs()[1];
  if (s.node->inputs().size() == 2 || s.shadowOf(given).isTensor()) {
    size_t from = s.node->inputs().size() == 2 ? 0 : 1;
    probability = s.convertTo(s.tensorInput(from), f64);
    if (typeOf(probability).getShape() != type.getShape())
      probability = ds::BroadcastOp::create(s.builder, s.loc, type.clone(f64),
                                            probability);
  } else {
    double p = s.doubleInput(1);
    if (!(p >= 0 && p <= 1))
      s.fail("bernoulli expects p to be in [0, 1], but got p=" +
             std::to_string(p));
    probability = scalar(s, p, f64);
  }
  Value u = drawUniform(s, type.clone(f64));
  Value below = ds::CompareOp::create(s.builder, s.loc,
                                      ds::CompareDirection::LT, u, probability);
  s.bindOutput(0, s.convertTo(below, type.getElementType()));
}

/// Dropouts that dsc does not draw (alpha dropout's affine noise): nothing
/// where inactive, refused where active.
void undrawnDropout(ImporterState &s) {
  double p = s.doubleInput(1);
  if (!s.constantInput(2).toBool() || p == 0)
    return s.bindOutput(0, s.tensorInput(0));
  s.fail("'" + s.opName() + "' with p = " + std::to_string(p) +
         " in training mode is not supported: dsc draws element-wise "
         "and channel dropout masks only (nn.Dropout, nn.Dropout1d/2d/3d; "
         "docs/dropout.md)");
}

} // namespace

void dsc::ts::addDropoutConversions(llvm::StringMap<Conversion> &table) {
  table["aten::dropout"] = dropout;
  table["aten::native_dropout"] = nativeDropout;
  table["aten::feature_dropout"] = featureDropout;
  for (const char *name :
       {"aten::alpha_dropout", "aten::feature_alpha_dropout"})
    table[name] = undrawnDropout;
  table["aten::rand"] = rand;
  table["aten::rand_like"] = rand;
  table["aten::uniform"] = uniform;
  table["aten::bernoulli"] = bernoulli;
  table["aten::randn"] = normal;
  table["aten::randn_like"] = normal;
  table["aten::normal"] = normal;
}
