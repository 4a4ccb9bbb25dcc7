//===- LossConversions.cpp - cross_entropy and nll_loss -------------------===//
//
// PyTorch's losses as ds ops: cross_entropy (with label smoothing in
// PyTorch's formula) and nll_loss, with any reduction (mean over the
// targets that are not ignore_index, sum, or none: each target's loss, 0
// where ignored), class indices of int64 or uint8, class weights (each
// target's loss times its class's weight; a mean divides by the weights'
// sum, as PyTorch), mse_loss and binary_cross_entropy_with_logits
// (PyTorch's decomposition) with any reduction.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include <numeric>

using namespace mlir;
using namespace dsc::ts;

namespace {

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
/// The target must be class indices of dtype int64 or uint8, as PyTorch's
/// kernels require (int32 targets fail there at run time). Returns the
/// reduction: 0 none, 1 mean, 2 sum.
int64_t checkLossOptions(ImporterState &s, const char *name) {
  std::optional<c10::ScalarType> target = s.inputScalarType(1);
  if (!target || !c10::isIntegralType(*target, /*includeBool=*/false))
    s.fail(std::string(name) +
           " with class-probability (floating point) targets is not "
           "supported: give class indices");
  if (*target != c10::kLong && *target != c10::kByte)
    s.fail(std::string(name) + " targets of dtype " +
           std::string(c10::toString(*target)) +
           ", which PyTorch refuses when it runs (it needs Long or Byte): "
           "convert them with .long()");
  int64_t reduction = s.intInput(3);
  if (reduction < 0 || reduction > 2)
    s.fail(std::string(name) + " with unknown reduction " +
           std::to_string(reduction));
  return reduction;
}

/// Sums `x` over all its dimensions.
Value sumAll(ImporterState &s, Value x) {
  SmallVector<int64_t> dims(typeOf(x).getRank());
  std::iota(dims.begin(), dims.end(), 0);
  return ds::SumOp::create(s.builder, s.loc, x, ArrayRef<int64_t>(dims));
}

/// Where `target` is not `ignoreIndex`.
Value keptTargets(ImporterState &s, Value target, int64_t ignoreIndex) {
  return ds::CompareOp::create(s.builder, s.loc, ds::CompareDirection::NE,
                               target,
                               scalar(s, static_cast<double>(ignoreIndex),
                                      typeOf(target).getElementType()));
}

/// `perTarget` where `kept`, 0 elsewhere (PyTorch zeroes the ignored
/// targets' losses).
Value maskIgnored(ImporterState &s, Value perTarget, Value kept) {
  return ds::SelectOp::create(
      s.builder, s.loc, kept, perTarget,
      scalar(s, 0.0, typeOf(perTarget).getElementType()));
}

/// The loss of each target, `-scores[.., target]` of `scores` [.., C]
/// (classes last), 0 where the target is ignored: nll_loss with
/// reduction='none'.
Value nllPerTarget(ImporterState &s, Value scores, Value target, Value kept) {
  auto shape = llvm::to_vector(typeOf(target).getShape());
  shape.push_back(1);
  Value picked = takeAlong(s, scores, typeOf(scores).getRank() - 1,
                           reshape(s, target, shape));
  Value loss = ds::NegOp::create(s.builder, s.loc,
                                 reshape(s, picked, typeOf(target).getShape()));
  return maskIgnored(s, loss, kept);
}

/// `perTarget` reduced as PyTorch's nll_loss does: none, the mean over the
/// targets that count (`kept`; with class weights, divided by the sum of
/// their `targetWeights` instead), or the sum.
Value reduceOverTargets(ImporterState &s, Value perTarget, Value kept,
                        int64_t reduction, Value targetWeights = {}) {
  if (reduction == 0)
    return perTarget;
  Value total = sumAll(s, perTarget);
  if (reduction == 2)
    return total;
  Value count = sumAll(
      s, targetWeights ? targetWeights
                       : s.convertTo(kept, typeOf(perTarget).getElementType()));
  return ds::DivOp::create(s.builder, s.loc, total, count);
}

/// The class weights [C] laid along the classes of `scores` [.., C].
Value classWeights(ImporterState &s, Value weight, Value scores) {
  auto type = typeOf(scores);
  if (typeOf(weight).getRank() != 1 ||
      typeOf(weight).getDimSize(0) != type.getShape().back())
    s.fail(std::string(s.node->kind().toQualString()) +
           ": the class weights must be one per class");
  SmallVector<int64_t> shape(type.getRank(), 1);
  shape.back() = type.getShape().back();
  return ds::BroadcastOp::create(s.builder, s.loc,
                                 typeOf(weight).clone(type.getShape()),
                                 reshape(s, weight, shape));
}

/// Each target's class weight, 0 where the target is ignored.
Value targetWeights(ImporterState &s, Value weights, Value target, Value kept) {
  auto shape = llvm::to_vector(typeOf(target).getShape());
  shape.push_back(1);
  Value picked = takeAlong(s, weights, typeOf(weights).getRank() - 1,
                           reshape(s, target, shape));
  return maskIgnored(s, reshape(s, picked, typeOf(target).getShape()), kept);
}

/// The class weights (input 2) in the loss's dtype, or null.
Value weightInput(ImporterState &s) {
  return isNone(s, 2) ? Value() : s.tensorInputAs(2, s.outputScalarType());
}

/// Cross-entropy of `logits` [.., C] (classes last) with label smoothing
/// `epsilon`, `reduction` and optional class `weight`, as PyTorch computes
/// it (LossNLL.cpp): (1 - epsilon) * nll + epsilon / C * smooth, where a
/// target's smooth term is -sum_c w_c log_softmax_c (w = 1 without
/// weights) and both are 0 at ignored targets, each reduced (a mean with
/// weights divides by the sum of the targets' weights). Without weights a
/// mean or a sum of the nll is one ds.cross_entropy; otherwise each
/// target's log-probability is picked.
Value crossEntropyLoss(ImporterState &s, Value logits, Value target,
                       int64_t ignoreIndex, double epsilon, int64_t reduction,
                       Value weight) {
  RankedTensorType type = typeOf(logits);
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  Value kept = keptTargets(s, target, ignoreIndex);
  Value logProbs;
  auto logSoftmax = [&] {
    if (!logProbs)
      logProbs = ds::LogSoftmaxOp::create(s.builder, s.loc, logits, rank - 1);
    return logProbs;
  };
  Value weights, perTargetWeight;
  Value nll;
  if (weight) {
    weights = classWeights(s, weight, logits);
    perTargetWeight = targetWeights(s, weights, target, kept);
    nll = reduceOverTargets(
        s,
        ds::MulOp::create(s.builder, s.loc,
                          nllPerTarget(s, logSoftmax(), target, kept),
                          perTargetWeight),
        kept, reduction, perTargetWeight);
  } else if (reduction == 0) {
    nll = nllPerTarget(s, logSoftmax(), target, kept);
  } else {
    nll = ds::CrossEntropyOp::create(s.builder, s.loc, logits, target,
                                     ignoreIndex, /*sum=*/reduction == 2);
  }
  if (epsilon == 0.0)
    return nll;
  Value weighted =
      weights ? ds::MulOp::create(s.builder, s.loc, logSoftmax(), weights)
              : logSoftmax();
  Value perTarget = maskIgnored(
      s,
      ds::NegOp::create(s.builder, s.loc,
                        ds::SumOp::create(s.builder, s.loc, weighted,
                                          ArrayRef<int64_t>{rank - 1})),
      kept);
  Value smooth =
      reduceOverTargets(s, perTarget, kept, reduction, perTargetWeight);
  double classes = static_cast<double>(type.getShape().back());
  return ds::AddOp::create(
      s.builder, s.loc,
      ds::MulOp::create(s.builder, s.loc, nll,
                        scalar(s, 1.0 - epsilon, element)),
      ds::MulOp::create(s.builder, s.loc, smooth,
                        scalar(s, epsilon / classes, element)));
}

void crossEntropy(ImporterState &s) {
  int64_t reduction = checkLossOptions(s, "cross_entropy");
  Value logits = classesLast(s, s.tensorInput(0));
  double smoothing = s.node->inputs().size() > 5 ? s.doubleInput(5) : 0.0;
  if (!(smoothing >= 0.0 && smoothing <= 1.0))
    s.fail("cross_entropy's label_smoothing must be in [0, 1], not " +
           std::to_string(smoothing));
  Value weight = weightInput(s);
  s.bindOutput(0, crossEntropyLoss(s, logits, s.tensorInput(1), s.intInput(4),
                                   smoothing, reduction, weight));
}

/// nll_loss: on log_softmax's output over the classes, that pair is one
/// ds.cross_entropy (mean or sum); otherwise, and with reduction='none',
/// each target's score, negated, zeroed where ignored, then reduced.
void nllLoss(ImporterState &s) {
  int64_t reduction = checkLossOptions(s, "nll_loss");
  Value scores = s.tensorInput(0);
  auto logSoftmax = scores.getDefiningOp<ds::LogSoftmaxOp>();
  int64_t classDim = typeOf(scores).getRank() <= 2 ? -1 : 1;
  bool overClasses =
      logSoftmax && static_cast<int64_t>(logSoftmax.getDim()) ==
                        s.normalizeDim(classDim, typeOf(scores).getRank());
  Value weight = weightInput(s);
  if (overClasses && reduction != 0 && !weight) {
    s.bindOutput(0, ds::CrossEntropyOp::create(
                        s.builder, s.loc, classesLast(s, logSoftmax.getInput()),
                        s.tensorInput(1), s.intInput(4),
                        /*sum=*/reduction == 2));
    return;
  }
  Value target = s.tensorInput(1);
  Value kept = keptTargets(s, target, s.intInput(4));
  scores = classesLast(s, scores);
  Value perTarget = nllPerTarget(s, scores, target, kept);
  Value perTargetWeight;
  if (weight) {
    perTargetWeight =
        targetWeights(s, classWeights(s, weight, scores), target, kept);
    perTarget = ds::MulOp::create(s.builder, s.loc, perTarget, perTargetWeight);
  }
  s.bindOutput(
      0, reduceOverTargets(s, perTarget, kept, reduction, perTargetWeight));
}

/// PyTorch's `reduction` argument applied to the elementwise `loss`: 0
/// none, 1 mean, 2 sum over every element.
Value reduceLoss(ImporterState &s, Value loss, int64_t reduction) {
  int64_t rank = typeOf(loss).getRank();
  if (reduction == 0 || rank == 0)
    return loss;
  SmallVector<int64_t> dims(rank);
  std::iota(dims.begin(), dims.end(), 0);
  auto attr = s.builder.getDenseI64ArrayAttr(dims);
  if (reduction == 1)
    return ds::MeanOp::create(s.builder, s.loc, loss, attr, false);
  if (reduction == 2)
    return ds::SumOp::create(s.builder, s.loc, loss, attr, false);
  s.fail("unknown loss reduction " + std::to_string(reduction));
}

/// The two operands of an elementwise loss in the result's dtype (PyTorch
/// promotes: bf16 logits against f32 targets give an f32 loss), of one
/// shape (PyTorch's functional API broadcasts them first).
std::pair<Value, Value> lossOperands(ImporterState &s, const char *name) {
  c10::ScalarType type = s.outputScalarType();
  Value input = s.tensorInputAs(0, type), target = s.tensorInputAs(1, type);
  if (typeOf(input).getShape() != typeOf(target).getShape())
    s.fail(std::string(name) + " of differently shaped input and target");
  if (!isa<FloatType>(typeOf(input).getElementType()))
    s.fail(std::string(name) + " of an integer input is not supported");
  return {input, target};
}

/// `mse_loss(self, target, reduction)`: (self - target)^2, reduced.
void mseLoss(ImporterState &s) {
  auto [input, target] = lossOperands(s, "mse_loss");
  Value diff = ds::SubOp::create(s.builder, s.loc, input, target);
  s.bindOutput(0, reduceLoss(s, ds::MulOp::create(s.builder, s.loc, diff, diff),
                             s.intInput(2)));
}

/// `l1_loss(self, target, reduction)`: |self - target|, reduced (gradient
/// sign(self - target), 0 where equal, as PyTorch).
void l1Loss(ImporterState &s) {
  auto [input, target] = lossOperands(s, "l1_loss");
  Value diff = ds::SubOp::create(s.builder, s.loc, input, target);
  s.bindOutput(0, reduceLoss(s, absolute(s, diff), s.intInput(2)));
}

/// `smooth_l1_loss(self, target, reduction, beta)` and
/// `huber_loss(self, target, reduction, delta)` as PyTorch's kernels: with
/// z = |self - target|, z < t ? 0.5 z^2 (/ beta) : z - 0.5 beta
/// (delta (z - 0.5 delta)), reduced; the gradients of the two branches are
/// PyTorch's (d / beta or sign(d); d or delta sign(d)). smooth_l1 with
/// beta 0 is l1_loss.
template <bool huber> void smoothL1Loss(ImporterState &s) {
  auto [input, target] =
      lossOperands(s, huber ? "huber_loss" : "smooth_l1_loss");
  double t = s.node->inputs().size() > 3 ? s.doubleInput(3) : 1.0;
  if (t < 0 || (huber && t == 0))
    s.fail(std::string(huber ? "huber_loss's delta" : "smooth_l1_loss's beta") +
           " must be positive");
  Type element = typeOf(input).getElementType();
  Value diff = ds::SubOp::create(s.builder, s.loc, input, target);
  Value z = absolute(s, diff);
  if (t == 0)
    return s.bindOutput(0, reduceLoss(s, z, s.intInput(2)));
  Value half = ds::MulOp::create(
      s.builder, s.loc,
      ds::MulOp::create(s.builder, s.loc, scalar(s, 0.5, element), diff), diff);
  Value linear =
      ds::SubOp::create(s.builder, s.loc, z, scalar(s, 0.5 * t, element));
  if (huber)
    linear = ds::MulOp::create(s.builder, s.loc, scalar(s, t, element), linear);
  else
    half = ds::DivOp::create(s.builder, s.loc, half, scalar(s, t, element));
  Value inside = ds::CompareOp::create(
      s.builder, s.loc, ds::CompareDirection::LT, z, scalar(s, t, element));
  Value loss = ds::SelectOp::create(s.builder, s.loc, inside, half, linear);
  s.bindOutput(0, reduceLoss(s, loss, s.intInput(2)));
}

/// `kl_div(self, target, reduction, log_target)` as PyTorch computes it:
/// exp(target) * (target - self) with log targets, else xlogy(target,
/// target) - target * self (0 where the target is 0); reduced (F.kl_div's
/// 'batchmean' is a sum, divided by the batch in Python).
void klDiv(ImporterState &s) {
  auto [input, target] = lossOperands(s, "kl_div");
  bool logTarget = s.node->inputs().size() > 3 && s.boolInput(3);
  Value loss;
  if (logTarget) {
    loss = ds::MulOp::create(
        s.builder, s.loc, ds::ExpOp::create(s.builder, s.loc, target),
        ds::SubOp::create(s.builder, s.loc, target, input));
  } else {
    loss =
        ds::SubOp::create(s.builder, s.loc, xlogy(s, target, target),
                          ds::MulOp::create(s.builder, s.loc, target, input));
  }
  s.bindOutput(0, reduceLoss(s, loss, s.intInput(2)));
}

/// `binary_cross_entropy_with_logits(self, target, weight, pos_weight,
/// reduction)` as PyTorch decomposes it: (1 - target) * self -
/// ((pos_weight - 1) * target + 1) * log_sigmoid(self), times the weight.
void bceWithLogits(ImporterState &s) {
  auto [input, target] = lossOperands(s, "binary_cross_entropy_with_logits");
  Type element = typeOf(input).getElementType();
  Value one = scalar(s, 1.0, element);
  Value logSig = logSigmoid(s, input);
  if (!isNone(s, 3)) {
    Value posWeight = s.tensorInputAs(3, s.outputScalarType());
    Value logWeight = ds::AddOp::create(
        s.builder, s.loc,
        ds::MulOp::create(s.builder, s.loc,
                          ds::SubOp::create(s.builder, s.loc, posWeight, one),
                          target),
        one);
    logSig = ds::MulOp::create(s.builder, s.loc, logWeight, logSig);
  }
  Value loss = ds::SubOp::create(
      s.builder, s.loc,
      ds::MulOp::create(s.builder, s.loc,
                        ds::SubOp::create(s.builder, s.loc, one, target),
                        input),
      logSig);
  if (!isNone(s, 2))
    loss = ds::MulOp::create(s.builder, s.loc, loss,
                             s.tensorInputAs(2, s.outputScalarType()));
  if (typeOf(loss).getShape() != typeOf(input).getShape())
    s.fail("binary_cross_entropy_with_logits whose weights broadcast the "
           "loss beyond the input's shape");
  s.bindOutput(0, reduceLoss(s, loss, s.intInput(4)));
}

} // namespace

void dsc::ts::addLossConversions(llvm::StringMap<Conversion> &table) {
  table["aten::mse_loss"] = mseLoss;
  table["aten::l1_loss"] = l1Loss;
  table["aten::smooth_l1_loss"] = smoothL1Loss<false>;
  table["aten::huber_loss"] = smoothL1Loss<true>;
  table["aten::kl_div"] = klDiv;
  table["aten::binary_cross_entropy_with_logits"] = bceWithLogits;
  table["aten::cross_entropy_loss"] = crossEntropy;
  table["aten::nll_loss"] = nllLoss;
  table["aten::nll_loss_nd"] = nllLoss;
}
