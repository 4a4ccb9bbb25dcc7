//===- ConvConversions.cpp - 1-D convolutions as products -----------------===//
//
// `conv1d` (and TorchScript's `_convolution`/`convolution` of 1-D inputs)
// as the sum it is: the padded input's K shifted (and strided) views
// stacked into [B, G, Cin/G * K, L'] and one batched `ds.matmul` with the
// weight as [G, Cout/G, Cin/G * K] (im2col). The depthwise causal
// convolutions of Mamba, Jamba, LFM2, Qwen3-Next and Falcon-H1 are the case
// G = C. Under sequence parallelism the sharding passes gather the sequence
// for the shifted views (exact; a halo exchange of the K - 1 neighbours
// would move less).
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"
#include "ImporterState.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

using namespace mlir;
using namespace dsc::ts;

namespace {

/// A 1-D convolution's options, as PyTorch spells them.
struct Conv1d {
  int64_t stride = 1, padLow = 0, padHigh = 0, dilation = 1, groups = 1;
};

/// The single value of a one-element list option (`stride=[2]`); PyTorch
/// accepts an int too.
int64_t onlyValue(ImporterState &s, size_t i, llvm::StringRef what) {
  const c10::IValue &value = s.constantInput(i);
  if (value.isInt())
    return value.toInt();
  std::vector<int64_t> list = s.intListInput(i);
  if (list.size() != 1)
    s.fail("a 1-D convolution's " + what.str() + " has one value, got " +
           std::to_string(list.size()));
  return list.front();
}

/// `input` [B, Cin, L], `weight` [Cout, Cin/G, K], `bias` [Cout] or null.
Value convolve(ImporterState &s, Value input, Value weight, Value bias,
               const Conv1d &c) {
  ArrayRef<int64_t> x = typeOf(input).getShape();
  ArrayRef<int64_t> w = typeOf(weight).getShape();
  int64_t b = x[0], cin = x[1], length = x[2];
  int64_t cout = w[0], groupIn = w[1], k = w[2], g = c.groups;
  if (g < 1 || cin != groupIn * g || cout % g != 0)
    s.fail("conv1d: " + std::to_string(cin) + " input channels, weight of " +
           std::to_string(groupIn) + " per group and " + std::to_string(g) +
           " groups do not agree");
  if (c.stride < 1 || c.dilation < 1 || c.padLow < 0 || c.padHigh < 0)
    s.fail("conv1d: stride and dilation must be positive, padding not "
           "negative");
  int64_t padded = length + c.padLow + c.padHigh;
  int64_t span = c.dilation * (k - 1) + 1;
  if (padded < span)
    s.fail("conv1d: the kernel spans " + std::to_string(span) +
           " positions, more than the padded input's " +
           std::to_string(padded));
  int64_t out = (padded - span) / c.stride + 1;
  Type element = typeOf(input).getElementType();
  if (padded != length)
    input = ds::PadOp::create(
        s.builder, s.loc, RankedTensorType::get({b, cin, padded}, element),
        input, ArrayRef<int64_t>{0, 0, c.padLow}, ArrayRef<int64_t>{1, 1, 1});
  // Tap j sees positions j * dilation + t * stride: [B, G, Cin/G, 1, L'].
  SmallVector<Value> taps;
  for (int64_t j = 0; j < k; ++j) {
    int64_t start = j * c.dilation;
    Value tap = sliceDim(s, input, 2, start, start + (out - 1) * c.stride + 1,
                         c.stride);
    taps.push_back(reshape(s, tap, {b, g, groupIn, 1, out}));
  }
  Value stacked =
      taps.size() == 1
          ? taps.front()
          : ds::ConcatOp::create(s.builder, s.loc, taps, /*dim=*/3).getResult();
  stacked = reshape(s, stacked, {b, g, groupIn * k, out});
  // [Cout, Cin/G, K] is [G, Cout/G, Cin/G * K] in the same order.
  Value kernel = reshape(s, weight, {g, cout / g, groupIn * k});
  Value product = ds::MatmulOp::create(s.builder, s.loc, kernel, stacked);
  Value result = reshape(s, product, {b, cout, out});
  if (bias)
    result = ds::AddOp::create(s.builder, s.loc, result,
                               reshape(s, bias, {cout, 1}));
  return result;
}

/// Binds `convolve` of the node's input (batched or not) to its output.
void bindConvolution(ImporterState &s, const Conv1d &c) {
  Value input = s.tensorInput(0), weight = s.tensorInput(1);
  Value bias = isNone(s, 2) ? Value() : s.tensorInput(2);
  if (typeOf(weight).getRank() != 3)
    s.fail("only 1-D convolutions are supported (weight of rank " +
           std::to_string(typeOf(weight).getRank()) + ")");
  int64_t rank = typeOf(input).getRank();
  if (rank != 2 && rank != 3)
    s.fail("conv1d takes [C, L] or [B, C, L], got rank " +
           std::to_string(rank));
  if (rank == 2) {
    ArrayRef<int64_t> shape = typeOf(input).getShape();
    input = reshape(s, input, {1, shape[0], shape[1]});
  }
  Value result = convolve(s, input, weight, bias, c);
  s.bindOutput(0, reshape(s, result, s.outputType()));
}

/// `conv1d(input, weight, bias, stride, padding, dilation, groups)`, with
/// `padding` a number or "valid" / "same" (PyTorch puts the odd one of a
/// "same" padding at the end).
void conv1d(ImporterState &s) {
  Conv1d c;
  c.stride = onlyValue(s, 3, "stride");
  c.dilation = onlyValue(s, 5, "dilation");
  c.groups = s.intInput(6);
  const c10::IValue &padding = s.constantInput(4);
  if (padding.isString()) {
    const std::string &mode = padding.toStringRef();
    if (mode == "same") {
      if (c.stride != 1)
        s.fail("conv1d: padding='same' needs stride 1");
      int64_t total = c.dilation * (typeOf(s.tensorInput(1)).getDimSize(2) - 1);
      c.padLow = total / 2;
      c.padHigh = total - c.padLow;
    } else if (mode != "valid") {
      s.fail("conv1d: unknown padding '" + mode + "'");
    }
  } else {
    c.padLow = c.padHigh = onlyValue(s, 4, "padding");
  }
  bindConvolution(s, c);
}

/// TorchScript's `_convolution`/`convolution(input, weight, bias, stride,
/// padding, dilation, transposed, output_padding, groups, ...)` of a 1-D
/// input.
void convolution(ImporterState &s) {
  if (s.boolInput(6))
    s.fail("transposed convolutions are not supported");
  Conv1d c;
  c.stride = onlyValue(s, 3, "stride");
  c.padLow = c.padHigh = onlyValue(s, 4, "padding");
  c.dilation = onlyValue(s, 5, "dilation");
  c.groups = s.intInput(8);
  bindConvolution(s, c);
}

} // namespace

void dsc::ts::addConvConversions(llvm::StringMap<Conversion> &table) {
  table["aten::conv1d"] = conv1d;
  table["aten::_convolution"] = convolution;
  table["aten::convolution"] = convolution;
  // The tracer's record of conv1d with a padding mode.
  table["aten::_convolution_mode"] = conv1d;
}
