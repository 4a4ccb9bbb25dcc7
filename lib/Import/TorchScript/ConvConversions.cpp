//===- ConvConversions.cpp - Convolutions as products --------------------===//
//
// `conv1d`, `conv2d`, `conv3d` (and TorchScript's `_convolution` /
// `convolution`) as the sum they are: the padded input's shifted (and
// strided) views, one per kernel tap, stacked into
// [B, G, Cin/G * K, L'] (K taps, L' output positions) and one batched
// `ds.matmul` with the weight as [G, Cout/G, Cin/G * K] (im2col). The
// depthwise causal convolutions of Mamba, Jamba, LFM2, Qwen3-Next and
// Falcon-H1 are the 1-D case G = C. A kernel that tiles its input (stride
// = kernel size, no dilation: a vision transformer's patch embedding) is
// a reshape and a transpose instead of K views. Under sequence parallelism
// the sharding passes gather the sequence for the shifted views (exact; a
// halo exchange of the K - 1 neighbours would move less); the patches of a
// tiling kernel keep a split of their rows. A transposed convolution is
// the convolution it is the gradient of: the input spread `stride` apart in
// zeros, convolved with the flipped kernel.
//
// Average pooling is the same views of each channel summed and divided by
// PyTorch's window sizes; adaptive average pooling (Swin's and ConvNeXt's
// poolers) the mean over each of PyTorch's bins, one spatial dimension at a
// time.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"
#include "ImporterState.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

#include <optional>

using namespace mlir;
using namespace dsc::ts;

namespace {

/// A convolution's options, one entry per spatial dimension.
struct Convolution {
  SmallVector<int64_t> stride, padLow, padHigh, dilation;
  int64_t groups = 1;
};

/// The name PyTorch gives a convolution over `spatial` dimensions.
std::string convName(size_t spatial) {
  return "conv" + std::to_string(spatial) + "d";
}

/// A per-dimension option (`stride=[2, 2]`) for `spatial` dimensions;
/// PyTorch also accepts an int or a one-element list for all of them.
SmallVector<int64_t> listOption(ImporterState &s, size_t i, size_t spatial,
                                llvm::StringRef what) {
  const c10::IValue &value = s.constantInput(i);
  std::vector<int64_t> list =
      value.isInt() ? std::vector<int64_t>{value.toInt()} : s.intListInput(i);
  if (list.size() == 1)
    list.resize(spatial, list.front());
  if (list.size() != spatial)
    s.fail(convName(spatial) + ": " + what.str() + " has " +
           std::to_string(list.size()) + " values for " +
           std::to_string(spatial) + " dimensions");
  return SmallVector<int64_t>(list.begin(), list.end());
}

/// `input` with a batch dimension: an input of rank n + 1 (unbatched, as
/// PyTorch's convolutions and poolings over n dimensions accept) gets a
/// leading 1; other ranks but n + 2 are refused naming `op`.
Value batched(ImporterState &s, Value input, size_t n, const std::string &op) {
  int64_t rank = typeOf(input).getRank();
  if (rank != static_cast<int64_t>(n + 1) &&
      rank != static_cast<int64_t>(n + 2))
    s.fail(op + " takes an input of rank " + std::to_string(n + 1) + " or " +
           std::to_string(n + 2) + ", got " + std::to_string(rank));
  if (rank == static_cast<int64_t>(n + 2))
    return input;
  SmallVector<int64_t> shape = {1};
  llvm::append_range(shape, typeOf(input).getShape());
  return reshape(s, input, shape);
}

/// The views of `input` [B, Cin, S...] (padded) that the kernel's taps see,
/// as [B, G, Cin/G * K, L'] with the taps in the weight's order: one
/// strided slice per tap, or, for a kernel that tiles the input, the tiles
/// taken apart by a reshape and a transpose.
Value stackTaps(ImporterState &s, Value input, ArrayRef<int64_t> kernel,
                ArrayRef<int64_t> out, const Convolution &c) {
  ArrayRef<int64_t> x = typeOf(input).getShape();
  size_t n = kernel.size();
  int64_t b = x[0], g = c.groups, groupIn = x[1] / g;
  int64_t taps = 1, positions = 1;
  for (size_t d = 0; d < n; ++d) {
    taps *= kernel[d];
    positions *= out[d];
  }
  bool tiles = taps > 1;
  for (size_t d = 0; d < n; ++d)
    tiles &= c.stride[d] == kernel[d] && c.dilation[d] == 1;
  if (tiles) {
    // [B, Cin, L'_0 * K_0, ...] -> [B * Cin, L'_0, K_0, ...]
    //   -> [B * Cin, K_0, ..., L'_0, ...] (rank 7 at most for conv3d).
    for (size_t d = 0; d < n; ++d)
      if (x[2 + d] != out[d] * kernel[d])
        input = sliceDim(s, input, 2 + d, 0, out[d] * kernel[d], 1);
    SmallVector<int64_t> split = {b * x[1]};
    SmallVector<int64_t> order = {0};
    for (size_t d = 0; d < n; ++d)
      split.append({out[d], kernel[d]});
    for (size_t d = 0; d < n; ++d)
      order.push_back(2 + 2 * d);
    for (size_t d = 0; d < n; ++d)
      order.push_back(1 + 2 * d);
    Value moved =
        ds::TransposeOp::create(s.builder, s.loc, reshape(s, input, split),
                                s.builder.getDenseI64ArrayAttr(order));
    return reshape(s, moved, {b, g, groupIn * taps, positions});
  }
  // Tap j (row-major over the kernel) sees positions
  // j_d * dilation_d + t_d * stride_d: [B, G, Cin/G, 1, L'].
  SmallVector<Value> views;
  for (int64_t j = 0; j < taps; ++j) {
    Value view = input;
    for (size_t d = n, rest = j; d-- > 0; rest /= kernel[d]) {
      int64_t start = static_cast<int64_t>(rest % kernel[d]) * c.dilation[d];
      view = sliceDim(s, view, 2 + d, start,
                      start + (out[d] - 1) * c.stride[d] + 1, c.stride[d]);
    }
    views.push_back(reshape(s, view, {b, g, groupIn, 1, positions}));
  }
  Value stacked = views.size() == 1
                      ? views.front()
                      : ds::ConcatOp::create(s.builder, s.loc, views, /*dim=*/3)
                            .getResult();
  return reshape(s, stacked, {b, g, groupIn * taps, positions});
}

/// `input` [B, C, S...] padded as `c` says, and in `out` how many positions
/// the taps of `kernel` take along each spatial dimension; options that
/// PyTorch rejects are refused naming `name`.
Value padForTaps(ImporterState &s, Value input, ArrayRef<int64_t> kernel,
                 const Convolution &c, const std::string &name,
                 SmallVectorImpl<int64_t> &out) {
  ArrayRef<int64_t> x = typeOf(input).getShape();
  size_t n = kernel.size();
  SmallVector<int64_t> padded, low = {0, 0}, strides(n + 2, 1);
  bool padding = false;
  for (size_t d = 0; d < n; ++d) {
    if (c.stride[d] < 1 || c.dilation[d] < 1 || c.padLow[d] < 0 ||
        c.padHigh[d] < 0)
      s.fail(name + ": stride and dilation must be positive, padding not "
                    "negative");
    padded.push_back(x[2 + d] + c.padLow[d] + c.padHigh[d]);
    int64_t span = c.dilation[d] * (kernel[d] - 1) + 1;
    if (padded[d] < span)
      s.fail(name + ": the kernel spans " + std::to_string(span) +
             " positions, more than the padded input's " +
             std::to_string(padded[d]));
    out.push_back((padded[d] - span) / c.stride[d] + 1);
    low.push_back(c.padLow[d]);
    padding |= padded[d] != x[2 + d];
  }
  if (!padding)
    return input;
  SmallVector<int64_t> shape = {x[0], x[1]};
  shape.append(padded);
  return ds::PadOp::create(
      s.builder, s.loc,
      RankedTensorType::get(shape, typeOf(input).getElementType()), input, low,
      strides);
}

/// `input` [B, Cin, S...], `weight` [Cout, Cin/G, K...], `bias` [Cout] or
/// null.
Value convolve(ImporterState &s, Value input, Value weight, Value bias,
               const Convolution &c) {
  ArrayRef<int64_t> x = typeOf(input).getShape();
  ArrayRef<int64_t> w = typeOf(weight).getShape();
  size_t n = w.size() - 2;
  std::string name = convName(n);
  int64_t b = x[0], cin = x[1], cout = w[0], groupIn = w[1], g = c.groups;
  if (g < 1 || cin != groupIn * g || cout % g != 0)
    s.fail(name + ": " + std::to_string(cin) + " input channels, weight of " +
           std::to_string(groupIn) + " per group and " + std::to_string(g) +
           " groups do not agree");
  SmallVector<int64_t> out;
  input = padForTaps(s, input, w.drop_front(2), c, name, out);
  Value stacked = stackTaps(s, input, w.drop_front(2), out, c);
  // [Cout, Cin/G, K...] is [G, Cout/G, Cin/G * K] in the same order.
  Value kernel =
      reshape(s, weight, {g, cout / g, typeOf(stacked).getDimSize(2)});
  Value product = ds::MatmulOp::create(s.builder, s.loc, kernel, stacked);
  SmallVector<int64_t> shape = {b, cout};
  shape.append(out);
  Value result = reshape(s, product, shape);
  if (bias) {
    SmallVector<int64_t> column(n + 1, 1);
    column.front() = cout;
    result =
        ds::AddOp::create(s.builder, s.loc, result, reshape(s, bias, column));
  }
  return result;
}

/// `im2col(self, kernel_size, dilation, padding, stride)` (F.unfold;
/// Mistral 3's patch merger): the views that the kernel's taps see, [B,
/// C * K, L] in the channels-then-taps order of a convolution's weight, as
/// a convolution stacks them.
void im2col(ImporterState &s) {
  Value input = s.tensorInput(0);
  bool unbatched = typeOf(input).getRank() == 3;
  input = batched(s, input, 2, "im2col");
  Convolution c;
  SmallVector<int64_t> kernel = listOption(s, 1, 2, "kernel_size");
  c.dilation = listOption(s, 2, 2, "dilation");
  c.padLow = c.padHigh = listOption(s, 3, 2, "padding");
  c.stride = listOption(s, 4, 2, "stride");
  for (int64_t k : kernel)
    if (k < 1)
      s.fail("im2col: the kernel size must be positive");
  SmallVector<int64_t> out;
  input = padForTaps(s, input, kernel, c, "im2col", out);
  Value stacked = stackTaps(s, input, kernel, out, c);
  ArrayRef<int64_t> shape = typeOf(stacked).getShape();
  SmallVector<int64_t> result = {shape[2], shape[3]};
  if (!unbatched)
    result.insert(result.begin(), shape[0]);
  s.bindOutput(0, reshape(s, stacked, result));
}

/// The spatial dimensions of the current node's convolution (its weight's
/// rank less two), checked.
size_t spatialDims(ImporterState &s) {
  int64_t rank = typeOf(s.tensorInput(1)).getRank();
  if (rank < 3 || rank > 5)
    s.fail("a convolution's weight has rank 3, 4 or 5 (conv1d to conv3d), "
           "got " +
           std::to_string(rank));
  return rank - 2;
}

/// Binds `convolve` of the node's input (batched or not) to its output.
void bindConvolution(ImporterState &s, const Convolution &c) {
  Value input = s.tensorInput(0), weight = s.tensorInput(1);
  Value bias = isNone(s, 2) ? Value() : s.tensorInput(2);
  size_t n = typeOf(weight).getRank() - 2;
  input = batched(s, input, n, convName(n));
  Value result = convolve(s, input, weight, bias, c);
  s.bindOutput(0, reshape(s, result, s.outputType()));
}

/// `convNd(input, weight, bias, stride, padding, dilation, groups)`, with
/// `padding` a list or "valid" / "same" (PyTorch puts the odd one of a
/// "same" padding at the end).
void convNd(ImporterState &s) {
  size_t n = spatialDims(s);
  Convolution c;
  c.stride = listOption(s, 3, n, "stride");
  c.dilation = listOption(s, 5, n, "dilation");
  c.groups = s.intInput(6);
  c.padLow.assign(n, 0);
  c.padHigh.assign(n, 0);
  const c10::IValue &padding = s.constantInput(4);
  if (padding.isString()) {
    const std::string &mode = padding.toStringRef();
    if (mode == "same") {
      if (llvm::any_of(c.stride, [](int64_t v) { return v != 1; }))
        s.fail(convName(n) + ": padding='same' needs stride 1");
      ArrayRef<int64_t> w = typeOf(s.tensorInput(1)).getShape();
      for (size_t d = 0; d < n; ++d) {
        int64_t total = c.dilation[d] * (w[2 + d] - 1);
        c.padLow[d] = total / 2;
        c.padHigh[d] = total - c.padLow[d];
      }
    } else if (mode != "valid") {
      s.fail(convName(n) + ": unknown padding '" + mode + "'");
    }
  } else {
    c.padLow = c.padHigh = listOption(s, 4, n, "padding");
  }
  bindConvolution(s, c);
}

/// A transposed convolution's options, one entry per spatial dimension.
struct TransposedConvolution {
  SmallVector<int64_t> stride, padding, outputPadding, dilation;
  int64_t groups = 1;
};

/// `input` [B, Cin, S...] through the transposed convolution with `weight`
/// [Cin, Cout/G, K...] (and `bias` [Cout] or null), as the convolution it
/// is the gradient of: the input's elements placed `stride` apart in
/// zeros (ds.pad), d (K - 1) - padding zeros before and d (K - 1) -
/// padding + output_padding after (what falls below 0 cut from the
/// result), convolved at stride 1 with the kernel flipped and its channels
/// swapped within each group: [Cout, Cin/G, K...].
Value convolveTransposed(ImporterState &s, Value input, Value weight,
                         Value bias, const TransposedConvolution &t) {
  ArrayRef<int64_t> x = typeOf(input).getShape();
  ArrayRef<int64_t> w = typeOf(weight).getShape();
  size_t n = w.size() - 2;
  std::string name = "conv_transpose" + std::to_string(n) + "d";
  int64_t g = t.groups, cin = x[1];
  if (g < 1 || w[0] != cin || cin % g != 0)
    s.fail(name + ": " + std::to_string(cin) +
           " input channels, a weight "
           "for " +
           std::to_string(w[0]) + " and " + std::to_string(g) +
           " groups do not agree");
  int64_t groupOut = w[1], cout = groupOut * g;
  SmallVector<int64_t> placed = {x[0], cin}, low = {0, 0}, strides = {1, 1};
  SmallVector<int64_t> cropLow, cropHigh;
  for (size_t d = 0; d < n; ++d) {
    int64_t reach = t.dilation[d] * (w[2 + d] - 1);
    if (t.stride[d] < 1 || t.dilation[d] < 1 || t.padding[d] < 0 ||
        t.outputPadding[d] < 0 ||
        t.outputPadding[d] >= std::max(t.stride[d], t.dilation[d]))
      s.fail(name + ": stride and dilation must be positive, padding not "
                    "negative, output padding below the stride or the "
                    "dilation");
    int64_t before = reach - t.padding[d];
    int64_t after = before + t.outputPadding[d];
    cropLow.push_back(std::max<int64_t>(0, -before));
    cropHigh.push_back(std::max<int64_t>(0, -after));
    low.push_back(std::max<int64_t>(0, before));
    strides.push_back(t.stride[d]);
    placed.push_back((x[2 + d] - 1) * t.stride[d] + 1 +
                     std::max<int64_t>(0, before) +
                     std::max<int64_t>(0, after));
  }
  input = ds::PadOp::create(s.builder, s.loc, typeOf(input).clone(placed),
                            input, low, strides);
  // [Cin, Cout/G, K...] -> [G, Cin/G, Cout/G, K...] -> [G, Cout/G, Cin/G,
  // K...] -> [Cout, Cin/G, K...], each spatial dimension reversed.
  SmallVector<int64_t> split = {g, cin / g, groupOut};
  split.append(w.begin() + 2, w.end());
  SmallVector<int64_t> order = {0, 2, 1};
  for (size_t d = 0; d < n; ++d)
    order.push_back(3 + d);
  Value kernel =
      ds::TransposeOp::create(s.builder, s.loc, reshape(s, weight, split),
                              s.builder.getDenseI64ArrayAttr(order));
  SmallVector<int64_t> swapped = {cout, cin / g};
  swapped.append(w.begin() + 2, w.end());
  kernel = reshape(s, kernel, swapped);
  for (size_t d = 0; d < n; ++d) {
    SmallVector<int64_t> reversed;
    for (int64_t k = w[2 + d]; k-- > 0;)
      reversed.push_back(k);
    if (reversed.size() > 1)
      kernel = pick(s, kernel, 2 + d, reversed);
  }
  Convolution c;
  c.stride.assign(n, 1);
  c.padLow.assign(n, 0);
  c.padHigh.assign(n, 0);
  c.dilation = t.dilation;
  c.groups = g;
  Value result = convolve(s, input, kernel, bias, c);
  for (size_t d = 0; d < n; ++d) {
    int64_t size = typeOf(result).getDimSize(2 + d);
    if (cropLow[d] || cropHigh[d])
      result = sliceDim(s, result, 2 + d, cropLow[d], size - cropHigh[d], 1);
  }
  return result;
}

/// Binds `convolveTransposed` of the node's input (batched or not).
void bindTransposedConvolution(ImporterState &s,
                               const TransposedConvolution &t) {
  Value input = s.tensorInput(0), weight = s.tensorInput(1);
  size_t n = typeOf(weight).getRank() - 2;
  input = batched(s, input, n, "conv_transpose" + std::to_string(n) + "d");
  Value bias = isNone(s, 2) ? Value() : s.tensorInput(2);
  s.bindOutput(0, reshape(s, convolveTransposed(s, input, weight, bias, t),
                          s.outputType()));
}

/// `conv_transpose{1,2,3}d(input, weight, bias, stride, padding,
/// output_padding, groups, dilation)`.
void convTransposeNd(ImporterState &s) {
  size_t n = spatialDims(s);
  TransposedConvolution t;
  t.stride = listOption(s, 3, n, "stride");
  t.padding = listOption(s, 4, n, "padding");
  t.outputPadding = listOption(s, 5, n, "output_padding");
  t.groups = s.intInput(6);
  t.dilation = listOption(s, 7, n, "dilation");
  bindTransposedConvolution(s, t);
}

/// TorchScript's `_convolution`/`convolution(input, weight, bias, stride,
/// padding, dilation, transposed, output_padding, groups, ...)`.
void convolution(ImporterState &s) {
  size_t n = spatialDims(s);
  if (s.boolInput(6)) {
    TransposedConvolution t;
    t.stride = listOption(s, 3, n, "stride");
    t.padding = listOption(s, 4, n, "padding");
    t.dilation = listOption(s, 5, n, "dilation");
    t.outputPadding = listOption(s, 7, n, "output_padding");
    t.groups = s.intInput(8);
    return bindTransposedConvolution(s, t);
  }
  Convolution c;
  c.stride = listOption(s, 3, n, "stride");
  c.padLow = c.padHigh = listOption(s, 4, n, "padding");
  c.dilation = listOption(s, 5, n, "dilation");
  c.groups = s.intInput(8);
  bindConvolution(s, c);
}

/// The mean of `x` over PyTorch's adaptive-pooling bins along `dim` to
/// `size` outputs: bin i spans [floor(i L / size), ceil((i + 1) L / size)).
/// Equal bins (size divides L) are a reshape and one mean; others a mean
/// per bin, concatenated.
Value adaptiveMean(ImporterState &s, Value x, int64_t dim, int64_t size) {
  SmallVector<int64_t> shape(typeOf(x).getShape());
  int64_t length = shape[dim];
  if (size < 1 || length < 1)
    s.fail("adaptive_avg_pool: output size " + std::to_string(size) +
           " of a dimension of " + std::to_string(length));
  auto mean = [&](Value v, int64_t d) {
    return ds::MeanOp::create(s.builder, s.loc, v,
                              s.builder.getDenseI64ArrayAttr({d}),
                              /*keepdim=*/false)
        .getResult();
  };
  if (length % size == 0) {
    SmallVector<int64_t> bins(shape.begin(), shape.begin() + dim);
    bins.append({size, length / size});
    bins.append(shape.begin() + dim + 1, shape.end());
    return mean(reshape(s, x, bins), dim + 1);
  }
  SmallVector<Value> means;
  SmallVector<int64_t> one = shape;
  one[dim] = 1;
  for (int64_t i = 0; i < size; ++i) {
    int64_t start = i * length / size;
    int64_t end = ((i + 1) * length + size - 1) / size;
    means.push_back(
        reshape(s, mean(sliceDim(s, x, dim, start, end, 1), dim), one));
  }
  return ds::ConcatOp::create(s.builder, s.loc, means, dim);
}

/// `adaptive_avg_pool{1,2,3}d(self, output_size)` over the last
/// len(output_size) dimensions.
void adaptiveAvgPool(ImporterState &s) {
  Value x = s.tensorInput(0);
  std::vector<int64_t> sizes = s.intListInput(1);
  int64_t rank = typeOf(x).getRank();
  if (sizes.empty() || static_cast<int64_t>(sizes.size()) >= rank)
    s.fail("adaptive_avg_pool: " + std::to_string(sizes.size()) +
           " output sizes for an input of rank " + std::to_string(rank));
  int64_t first = rank - static_cast<int64_t>(sizes.size());
  for (auto [i, size] : llvm::enumerate(sizes))
    x = adaptiveMean(s, x, first + static_cast<int64_t>(i), size);
  s.bindOutput(0, reshape(s, x, s.outputType()));
}

/// One spatial dimension of an average pooling window: PyTorch's output
/// size and, per output position, the window's divisor (Pooling.h,
/// AvgPoolKernel.cpp: the window clamped to the padded input, or to the
/// input without `count_include_pad`).
struct PoolDim {
  int64_t out;
  SmallVector<int64_t> divisor;
};

PoolDim poolDim(ImporterState &s, int64_t length, int64_t kernel,
                int64_t stride, int64_t pad, bool ceil, bool countPad) {
  if (kernel < 1 || stride < 1 || pad < 0 || pad * 2 > kernel)
    s.fail("avg_pool: kernel " + std::to_string(kernel) + ", stride " +
           std::to_string(stride) + " and padding " + std::to_string(pad) +
           " are not valid (padding at most half the kernel)");
  // PyTorch's pooling_output_shape: the quotient rounded down (also below
  // 0), and with ceil_mode the last window must start inside the input or
  // its left padding.
  int64_t span = length + 2 * pad - kernel + (ceil ? stride - 1 : 0);
  PoolDim d{llvm::divideFloorSigned(span, stride) + 1, {}};
  if (ceil && (d.out - 1) * stride >= length + pad)
    --d.out;
  if (d.out < 1)
    s.fail("avg_pool: the kernel of " + std::to_string(kernel) +
           " leaves no output of the padded input of " +
           std::to_string(length + 2 * pad));
  for (int64_t i = 0; i < d.out; ++i) {
    int64_t start = i * stride - pad;
    int64_t end = std::min(start + kernel, length + pad);
    d.divisor.push_back(countPad ? end - start
                                 : std::min(end, length) -
                                       std::max(start, int64_t{0}));
  }
  return d;
}

/// `avg_pool{1,2,3}d(self, kernel_size, stride, padding, ceil_mode,
/// count_include_pad[, divisor_override])` over the last 1 to 3
/// dimensions: each channel's window views (stackTaps, one group per
/// channel) of the zero-padded input summed and divided by PyTorch's
/// divisor per output position.
template <size_t n> void avgPool(ImporterState &s) {
  std::string name = "avg_pool" + std::to_string(n) + "d";
  Value x = batched(s, s.tensorInput(0), n, name);
  if (!isa<FloatType>(typeOf(x).getElementType()))
    s.fail(name + " of an integer tensor is not supported");
  SmallVector<int64_t> kernel = listOption(s, 1, n, "kernel_size");
  Convolution c;
  c.stride = s.intListInput(2).empty() ? kernel : listOption(s, 2, n, "stride");
  SmallVector<int64_t> pad = listOption(s, 3, n, "padding");
  bool ceil = s.boolInput(4), countPad = s.boolInput(5);
  std::optional<int64_t> override;
  if (s.node->inputs().size() > 6 && !isNone(s, 6))
    override = s.intInput(6);
  if (override && *override == 0)
    s.fail(name + ": divisor_override must not be 0");
  ArrayRef<int64_t> shape = typeOf(x).getShape();
  int64_t b = shape[0], channels = shape[1];
  SmallVector<int64_t> padded = {b, channels}, low = {0, 0}, out;
  at::Tensor divisor = at::ones({1}, at::kDouble);
  for (size_t d = 0; d < n; ++d) {
    PoolDim dim = poolDim(s, shape[2 + d], kernel[d], c.stride[d], pad[d], ceil,
                          countPad);
    out.push_back(dim.out);
    // Zeros before and after: the left padding, and as many as the last
    // window reaches past the input.
    padded.push_back(
        std::max(shape[2 + d] + pad[d],
                 (dim.out - 1) * c.stride[d] + kernel[d] - pad[d]) +
        pad[d]);
    low.push_back(pad[d]);
    at::Tensor counts =
        at::tensor(ArrayRef<int64_t>(dim.divisor), at::kLong).to(at::kDouble);
    divisor = at::outer(divisor.flatten(), counts).flatten();
  }
  c.padLow = c.padHigh = SmallVector<int64_t>(n, 0);
  c.dilation = SmallVector<int64_t>(n, 1);
  c.groups = channels;
  if (ArrayRef<int64_t>(padded) != shape) {
    SmallVector<int64_t> strides(n + 2, 1);
    x = ds::PadOp::create(s.builder, s.loc, typeOf(x).clone(padded), x, low,
                          strides);
  }
  // [B, C, K, L'] summed over the K taps.
  Value sum =
      ds::SumOp::create(s.builder, s.loc, stackTaps(s, x, kernel, out, c),
                        s.builder.getDenseI64ArrayAttr({2}),
                        /*keepdim=*/false);
  Type element = typeOf(sum).getElementType();
  Value by = override
                 ? scalar(s, static_cast<double>(*override), element)
                 : s.convertTo(s.materialize(divisor.to(at::kFloat)), element);
  Value mean = ds::DivOp::create(s.builder, s.loc, sum, by);
  s.bindOutput(0, reshape(s, mean, s.outputType()));
}

/// `max_pool{1,2,3}d(self, kernel_size, stride, padding, dilation,
/// ceil_mode)` and `max_pool{2,3}d_with_indices` (the indices unused) over
/// the last 1 to 3 dimensions, with PyTorch's choice of the element
/// (MaxPoolKernel.cpp: the first maximum of the window in row-major order,
/// or its last NaN), which the gradient reaches: each channel's window
/// views (stackTaps) of the input, the taps in the padding or past the
/// input excluded, the chosen one picked by a select and a sum (exact: the
/// others add zeros).
template <size_t n> void maxPool(ImporterState &s) {
  if (s.node->outputs().size() > 1 && s.node->outputs()[1]->hasUses())
    s.fail("the indices of max_pool" + std::to_string(n) +
           "d_with_indices are used; dsc imports max pooling's values only");
  std::string name = "max_pool" + std::to_string(n) + "d";
  Value x = batched(s, s.tensorInput(0), n, name);
  auto type = typeOf(x);
  Type element = type.getElementType();
  if (!isa<FloatType>(element))
    s.fail(name + " of an integer tensor is not supported");
  SmallVector<int64_t> kernel = listOption(s, 1, n, "kernel_size");
  Convolution c;
  c.stride = s.intListInput(2).empty() ? kernel : listOption(s, 2, n, "stride");
  SmallVector<int64_t> pad = listOption(s, 3, n, "padding");
  c.dilation = listOption(s, 4, n, "dilation");
  bool ceil = s.boolInput(5);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t b = shape[0], channels = shape[1];
  SmallVector<int64_t> padded = {b, channels}, low = {0, 0}, out;
  for (size_t d = 0; d < n; ++d) {
    int64_t span = c.dilation[d] * (kernel[d] - 1) + 1;
    if (kernel[d] < 1 || c.stride[d] < 1 || c.dilation[d] < 1 || pad[d] < 0 ||
        pad[d] > kernel[d] / 2)
      s.fail(name + ": kernel " + std::to_string(kernel[d]) + ", stride " +
             std::to_string(c.stride[d]) + ", dilation " +
             std::to_string(c.dilation[d]) + " and padding " +
             std::to_string(pad[d]) +
             " are not valid (padding at most half the kernel, as PyTorch)");
    // PyTorch's pooling_output_shape, as for avg_pool.
    int64_t length = shape[2 + d];
    int64_t last = length + 2 * pad[d] - span + (ceil ? c.stride[d] - 1 : 0);
    int64_t count = llvm::divideFloorSigned(last, c.stride[d]) + 1;
    if (ceil && (count - 1) * c.stride[d] >= length + pad[d])
      --count;
    if (count < 1)
      s.fail(name + ": the kernel spans " + std::to_string(span) +
             " positions, more than the padded input's " +
             std::to_string(length + 2 * pad[d]));
    out.push_back(count);
    padded.push_back(
        pad[d] + std::max(length, (count - 1) * c.stride[d] - pad[d] + span));
    low.push_back(pad[d]);
  }
  c.padLow = c.padHigh = SmallVector<int64_t>(n, 0);
  c.groups = channels;
  if (ArrayRef<int64_t>(padded) != shape) {
    SmallVector<int64_t> strides(n + 2, 1);
    x = ds::PadOp::create(s.builder, s.loc, type.clone(padded), x, low,
                          strides);
  }
  // [B, C, K, L']; which taps lie in the input, [1, 1, K, L'].
  Value taps = stackTaps(s, x, kernel, out, c);
  int64_t tapCount = typeOf(taps).getDimSize(2);
  int64_t positions = typeOf(taps).getDimSize(3);
  at::Tensor inside = at::ones({1, 1, tapCount, positions}, at::kBool);
  auto flags = inside.accessor<bool, 4>();
  for (int64_t j = 0; j < tapCount; ++j)
    for (int64_t l = 0; l < positions; ++l) {
      for (size_t d = n, tap = j, at = l; d-- > 0;
           tap /= kernel[d], at /= out[d]) {
        int64_t where = static_cast<int64_t>(at % out[d]) * c.stride[d] -
                        pad[d] +
                        static_cast<int64_t>(tap % kernel[d]) * c.dilation[d];
        if (where < 0 || where >= shape[2 + d])
          flags[0][0][j][l] = false;
      }
    }
  // A dilated window can miss the input: PyTorch's -inf there has no
  // element for the gradient to reach.
  if (!inside.any(2).all().item<bool>())
    s.fail(name + ": a window of the dilated kernel lies wholly in the "
                  "padding or past the input; dsc refuses the -inf it gives");
  Value valid = s.materialize(inside);
  Value no = s.materialize(at::zeros({}, at::kBool));
  auto cmp = [&](ds::CompareDirection direction, Value lhs, Value rhs) {
    return ds::CompareOp::create(s.builder, s.loc, direction, lhs, rhs)
        .getResult();
  };
  auto both = [&](Value lhs, Value rhs) {
    return ds::SelectOp::create(s.builder, s.loc, lhs, rhs, no).getResult();
  };
  // How many maxima (NaNs) up to each tap, and from each tap on.
  auto count = [&](Value flags, bool reverse) {
    Value counts = ds::CumsumOp::create(
        s.builder, s.loc, s.convertTo(flags, s.builder.getF32Type()),
        /*dim=*/2, reverse);
    return cmp(ds::CompareDirection::EQ, counts,
               scalar(s, 1.0, s.builder.getF32Type()));
  };
  Value masked = ds::SelectOp::create(
      s.builder, s.loc, valid, taps,
      scalar(s, -std::numeric_limits<double>::infinity(), element));
  Value max = ds::MaxOp::create(s.builder, s.loc, masked,
                                s.builder.getDenseI64ArrayAttr({2}),
                                /*keepdim=*/true);
  Value isMax = both(valid, cmp(ds::CompareDirection::EQ, masked, max));
  Value isNaN = cmp(ds::CompareDirection::NE, taps, taps);
  Value firstMax = both(isMax, count(isMax, /*reverse=*/false));
  Value lastNaN = both(isNaN, count(isNaN, /*reverse=*/true));
  Value anyNaN = cmp(ds::CompareDirection::NE, max, max);
  Value chosen =
      ds::SelectOp::create(s.builder, s.loc, anyNaN, lastNaN, firstMax);
  Value picked = ds::SelectOp::create(s.builder, s.loc, chosen, taps,
                                      scalar(s, 0.0, element));
  Value result = ds::SumOp::create(s.builder, s.loc, picked,
                                   s.builder.getDenseI64ArrayAttr({2}),
                                   /*keepdim=*/false);
  s.bindOutput(0, reshape(s, result, s.outputType()));
}

} // namespace

void dsc::ts::addConvConversions(llvm::StringMap<Conversion> &table) {
  table["aten::conv1d"] = convNd;
  table["aten::conv2d"] = convNd;
  table["aten::conv3d"] = convNd;
  table["aten::_convolution"] = convolution;
  table["aten::im2col"] = im2col;
  table["aten::convolution"] = convolution;
  // The tracer's record of a convolution with a padding mode.
  table["aten::_convolution_mode"] = convNd;
  for (const char *name : {"aten::conv_transpose1d", "aten::conv_transpose2d",
                           "aten::conv_transpose3d"})
    table[name] = convTransposeNd;
  for (const char *name :
       {"aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d",
        "aten::_adaptive_avg_pool2d", "aten::adaptive_avg_pool3d",
        "aten::_adaptive_avg_pool3d"})
    table[name] = adaptiveAvgPool;
  table["aten::avg_pool1d"] = avgPool<1>;
  table["aten::avg_pool2d"] = avgPool<2>;
  table["aten::avg_pool3d"] = avgPool<3>;
  table["aten::max_pool1d"] = maxPool<1>;
  table["aten::max_pool2d"] = maxPool<2>;
  table["aten::max_pool3d"] = maxPool<3>;
  table["aten::max_pool2d_with_indices"] = maxPool<2>;
  table["aten::max_pool3d_with_indices"] = maxPool<3>;
}
