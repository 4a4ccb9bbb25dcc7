//===- DropoutConversions.cpp - dropout in training -----------------------===//
//
// dropout, native_dropout and the channel and alpha dropouts
// (docs/dropout.md). An active element-wise dropout draws its mask with
// ds.dropout_mask from the step counter the import adds (ImporterState::
// dropoutStep) and the next stream, and computes ATen's CPU dropout from
// it; the others import as nothing when inactive and are refused in
// training.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

using namespace mlir;
using namespace dsc::ts;

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

/// The elements a dropout of `x` with probability 0 < p < 1 keeps: the next
/// stream's draw (docs/dropout.md).
Value drawKept(ImporterState &s, Value x, double p) {
  return ds::DropoutMaskOp::create(
      s.builder, s.loc, typeOf(x).clone(s.builder.getI1Type()), s.dropoutStep(),
      s.builder.getF64FloatAttr(p),
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
Value dsc::ts::dropElements(ImporterState &s, Value x, double p) {
  auto element = cast<FloatType>(typeOf(x).getElementType());
  Value dropped = ds::MulOp::create(s.builder, s.loc, x, scalar(s, 0, element));
  if (p == 1) // ATen: input * 0
    return dropped;
  Value keep = drawKept(s, x, p);
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
  Value keep = p == 1 ? all(false) : drawKept(s, x, p);
  Value kept = ds::MulOp::create(s.builder, s.loc, x, scale);
  s.bindOutput(0, ds::SelectOp::create(s.builder, s.loc, keep, kept, dropped));
  s.bindOutput(1, keep);
}

/// Dropouts that dsc does not draw (whole channels, alpha dropout's
/// affine noise): nothing where inactive, refused where active.
void undrawnDropout(ImporterState &s) {
  double p = s.doubleInput(1);
  if (!s.constantInput(2).toBool() || p == 0)
    return s.bindOutput(0, s.tensorInput(0));
  s.fail("'" + s.opName() + "' with p = " + std::to_string(p) +
         " in training mode is not supported: dsc draws element-wise "
         "dropout masks only (nn.Dropout, F.dropout; docs/dropout.md)");
}

} // namespace

void dsc::ts::addDropoutConversions(llvm::StringMap<Conversion> &table) {
  table["aten::dropout"] = dropout;
  table["aten::native_dropout"] = nativeDropout;
  for (const char *name : {"aten::feature_dropout", "aten::alpha_dropout",
                           "aten::feature_alpha_dropout"})
    table[name] = undrawnDropout;
}
