//===- DSGradientVerifiers.cpp - verifiers of backward and optimizer ops --===//

#include "dsc/Dialect/DS/IR/DSOps.h"

using namespace mlir;
using namespace mlir::ds;

namespace {
/// Checks that `actual` is `expected`, naming `what` otherwise.
LogicalResult expectType(Operation *op, StringRef what, Type actual,
                         Type expected) {
  if (actual != expected)
    return op->emitOpError()
           << what << " has type " << actual << ", expected " << expected;
  return success();
}

/// Checks that `channel` is [D] of the input's element type, D its last dim
/// (or, `accumulated`, float32 over a bfloat16 or float16 input: a sum
/// left unrounded).
LogicalResult expectChannel(Operation *op, StringRef what, Value channel,
                            RankedTensorType input, bool accumulated = false) {
  auto expected = RankedTensorType::get(
      {input.getRank() ? input.getShape().back() : 1}, input.getElementType());
  Type actual = channel.getType();
  if (accumulated && isa<BFloat16Type, Float16Type>(input.getElementType()) &&
      actual == expected.clone(Float32Type::get(op->getContext())))
    return success();
  return expectType(op, what, actual, expected);
}
} // namespace

LogicalResult AttentionGradOp::verify() {
  Operation *op = *this;
  if (failed(expectType(op, "grad_query", getGradQuery().getType(),
                        getQuery().getType())) ||
      failed(expectType(op, "grad_key", getGradKey().getType(),
                        getKey().getType())) ||
      failed(expectType(op, "grad_value", getGradValue().getType(),
                        getValue().getType())))
    return failure();
  ArrayRef<int64_t> q = getQuery().getType().getShape();
  ArrayRef<int64_t> v = getValue().getType().getShape();
  if (q.size() != 4 || v.size() != 4)
    return emitOpError() << "query and value must have rank 4";
  auto forward = RankedTensorType::get({q[0], q[1], q[2], v[3]},
                                       getQuery().getType().getElementType());
  if (failed(expectType(op, "output", getOutput().getType(), forward)) ||
      failed(expectType(op, "grad_output", getGradOutput().getType(), forward)))
    return failure();
  RankedTensorType bias = getBias()
                              ? cast<RankedTensorType>(getBias().getType())
                              : RankedTensorType();
  if (getGradBias() && !bias)
    return emitOpError() << "grad_bias needs a bias";
  if (getGradBias() &&
      failed(expectType(op, "grad_bias", getGradBias().getType(), bias)))
    return failure();
  RankedTensorType sinks = getSinks()
                               ? cast<RankedTensorType>(getSinks().getType())
                               : RankedTensorType();
  if (static_cast<bool>(getGradSinks()) != static_cast<bool>(sinks))
    return emitOpError() << "grad_sinks must be there exactly when sinks are";
  if (sinks &&
      failed(expectType(op, "grad_sinks", getGradSinks().getType(), sinks)))
    return failure();
  std::string wrong = checkAttention(
      getQuery().getType(), getKey().getType(), getValue().getType(), bias,
      sinks, getCausal(), getWindow(), getKeyLength(),
      getScale().convertToDouble(), optionalDouble(getSoftcapAttr()),
      optionalDouble(getFillAttr()));
  if (!wrong.empty())
    return emitOpError() << wrong;
  return success();
}

LogicalResult LayerNormGradOp::verify() {
  RankedTensorType input = getInput().getType();
  Operation *op = *this;
  if (failed(expectType(op, "grad_output", getGradOutput().getType(), input)) ||
      failed(expectType(op, "grad_input", getGradInput().getType(), input)) ||
      failed(expectChannel(op, "weight", getWeight(), input)) ||
      failed(expectChannel(op, "grad_weight", getGradWeight(), input)))
    return failure();
  return expectChannel(op, "grad_bias", getGradBias(), input);
}

LogicalResult RmsNormGradOp::verify() {
  RankedTensorType input = getInput().getType();
  Operation *op = *this;
  if (failed(expectType(op, "grad_output", getGradOutput().getType(), input)) ||
      failed(expectType(op, "grad_input", getGradInput().getType(), input)) ||
      failed(expectChannel(op, "weight", getWeight(), input)))
    return failure();
  return expectChannel(op, "grad_weight", getGradWeight(), input,
                       /*accumulated=*/true);
}

template <typename OpTy> static LogicalResult verifySoftmaxGrad(OpTy op) {
  // `I64Attr` getters return `uint64_t`; read the dimension as signed so a
  // negative one is reported as such.
  int64_t dim = op.getDim();
  int64_t rank = op.getType().getRank();
  if (dim < 0 || dim >= rank)
    return op.emitOpError()
           << "dim " << dim << " is out of range for rank " << rank;
  return success();
}
LogicalResult SoftmaxGradOp::verify() { return verifySoftmaxGrad(*this); }
LogicalResult LogSoftmaxGradOp::verify() { return verifySoftmaxGrad(*this); }

LogicalResult CrossEntropyGradOp::verify() {
  RankedTensorType logits = getLogits().getType();
  if (logits.getRank() < 1 ||
      getLabels().getType().getShape() != logits.getShape().drop_back())
    return emitOpError() << "labels must have the logits' shape without its "
                            "last dimension";
  if (getGradLoss().getType().getElementType() != logits.getElementType())
    return emitOpError() << "grad_loss element type differs from the logits'";
  return expectType(*this, "result", getType(), logits);
}

LogicalResult EmbeddingGradOp::verify() {
  RankedTensorType table = getType();
  if (table.getRank() != 2)
    return emitOpError() << "result must have rank 2";
  if (std::optional<int64_t> row = getPaddingIdx();
      row && (*row < 0 || *row >= table.getDimSize(0)))
    return emitOpError() << "padding_idx " << *row
                         << " is not a row of the result ("
                         << table.getDimSize(0) << " rows)";
  SmallVector<int64_t> shape(getIndices().getType().getShape());
  shape.push_back(table.getDimSize(1));
  return expectType(*this, "grad_output", getGradOutput().getType(),
                    RankedTensorType::get(shape, table.getElementType()));
}

LogicalResult PadOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType result = getType();
  int64_t rank = input.getRank();
  if (result.getRank() != rank ||
      result.getElementType() != input.getElementType())
    return emitOpError() << "result must have the input's rank and element "
                            "type";
  if (static_cast<int64_t>(getLow().size()) != rank ||
      static_cast<int64_t>(getStrides().size()) != rank)
    return emitOpError() << "low and strides need " << rank << " entries each";
  for (int64_t d = 0; d < rank; ++d) {
    int64_t low = getLow()[d], stride = getStrides()[d];
    if (low < 0 || stride < 1)
      return emitOpError() << "dimension " << d
                           << " needs low >= 0 and stride >= 1";
    int64_t size = input.getDimSize(d);
    if (size > 0 && low + (size - 1) * stride >= result.getDimSize(d))
      return emitOpError() << "dimension " << d << " places elements past "
                           << "the result size " << result.getDimSize(d);
  }
  return success();
}

LogicalResult AdamWUpdateOp::verify() {
  Type type = getParam().getType();
  for (auto [what, value] : {std::pair<StringRef, Value>{"grad", getGrad()},
                             {"exp_avg", getExpAvg()},
                             {"exp_avg_sq", getExpAvgSq()},
                             {"new_param", getNewParam()},
                             {"new_exp_avg", getNewExpAvg()},
                             {"new_exp_avg_sq", getNewExpAvgSq()}})
    if (failed(expectType(*this, what, value.getType(), type)))
      return failure();
  std::optional<StringRef> schedule = getLrSchedule();
  if (schedule && *schedule != "constant" && *schedule != "linear" &&
      *schedule != "cosine")
    return emitOpError() << "has lr_schedule \"" << *schedule
                         << "\"; expected constant, linear or cosine";
  if (!schedule && (getWarmupSteps() || getTotalSteps() || getMinLrRatio()))
    return emitOpError() << "has schedule steps without an lr_schedule";
  for (IntegerAttr steps : {getWarmupStepsAttr(), getTotalStepsAttr()})
    if (steps && steps.getInt() < 0)
      return emitOpError() << "has a negative number of schedule steps";
  if (schedule && *schedule != "constant" && !getTotalSteps())
    return emitOpError() << "needs total_steps for lr_schedule \"" << *schedule
                         << "\"";
  if (std::optional<APFloat> ratio = getMinLrRatio();
      ratio &&
      !(ratio->convertToDouble() >= 0 && ratio->convertToDouble() <= 1))
    return emitOpError() << "has min_lr_ratio outside [0, 1]";
  return success();
}

LogicalResult SgdUpdateOp::verify() {
  Type type = getParam().getType();
  for (auto [what, value] : {std::pair<StringRef, Value>{"grad", getGrad()},
                             {"momentum_buffer", getMomentumBuffer()},
                             {"new_param", getNewParam()},
                             {"new_momentum_buffer", getNewMomentumBuffer()}})
    if (failed(expectType(*this, what, value.getType(), type)))
      return failure();
  return success();
}
