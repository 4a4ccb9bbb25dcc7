//===- Shape.cpp - layout, slicing, padding and conversion kernels --------===//
//
// The ops of DSShapeOps.td and `pad`. Each builds a strided ATen view of
// the source (or of the result, for `pad`) and copies, so that no kernel
// allocates, but the random draws (dropout_mask, uniform): they take two
// int64 temporaries of at most kDropoutBlock elements at a time, whatever
// the result's size.
//
//===----------------------------------------------------------------------===//

#include "ATenKernel.h"

#include "dsc/Runtime/ATenDType.h"
#include "dsc/Runtime/PlanMemory.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

using namespace dsc::rt;
using namespace dsc::rt::kernels;
using llvm::Twine;

namespace {

/// Reads `name` and checks that it has one entry per dimension of `rank`.
llvm::Expected<std::vector<int64_t>>
readPerDim(const Instruction &inst, llvm::StringRef name, size_t rank) {
  auto values = readInts(inst, name);
  if (!values)
    return values.takeError();
  if (values->size() != rank)
    return checkError("attribute '" + name + "' has " + Twine(values->size()) +
                      " entries for rank " + Twine(rank));
  return values;
}

//===----------------------------------------------------------------------===//
// reshape, transpose, broadcast, convert
//===----------------------------------------------------------------------===//

llvm::Error checkReshape(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0], &result = *args.results[0];
  if (llvm::Error err = expectDType(result, input.dtype, "the result"))
    return err;
  if (result.numElements() != input.numElements())
    return checkError("the result " + typeString(result) +
                      " has another number of elements than the input " +
                      typeString(input));
  return llvm::Error::success();
}

void runReshape(const KernelArgs &args) {
  // A planner may give the result the input's bytes: nothing to move then.
  at::Tensor &result = args.result();
  const at::Tensor &input = args.operand(0);
  if (result.data_ptr() != input.data_ptr())
    result.copy_(input.reshape(result.sizes()));
}

llvm::Error checkTranspose(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  auto perm = readPerDim(args.inst, "permutation", input.shape.size());
  if (!perm)
    return perm.takeError();
  std::vector<bool> seen(input.shape.size(), false);
  std::vector<int64_t> shape;
  for (int64_t p : *perm) {
    if (p < 0 || p >= static_cast<int64_t>(input.shape.size()) || seen[p])
      return checkError("attribute 'permutation' is not a permutation of 0.." +
                        Twine(input.shape.size() - 1));
    seen[p] = true;
    shape.push_back(input.shape[p]);
  }
  return expectType(*args.results[0], input.dtype, shape, "the result");
}

void runTranspose(const KernelArgs &args) {
  args.result().copy_(
      args.operand(0).permute(args.inst.getInts("permutation")));
}

llvm::Error checkBroadcast(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0], &result = *args.results[0];
  if (llvm::Error err = expectDType(result, input.dtype, "the result"))
    return err;
  auto shape = broadcastShapes({input.shape, result.shape});
  if (!shape)
    return shape.takeError();
  if (*shape != result.shape)
    return checkError("input " + typeString(input) +
                      " does not broadcast to the result " +
                      typeString(result));
  return llvm::Error::success();
}

void runBroadcast(const KernelArgs &args) {
  args.result().copy_(args.operand(0).expand(args.result().sizes()));
}

llvm::Error checkConvert(const CheckArgs &args) {
  return expectShape(*args.results[0], args.operands[0]->shape, "the result");
}

void runConvert(const KernelArgs &args) {
  // copy_ converts as the op says: round to nearest even between floats,
  // truncation toward zero from float to integer.
  args.result().copy_(args.operand(0));
}

llvm::Error checkIota(const CheckArgs &args) {
  const TensorDesc &result = *args.results[0];
  if (llvm::Error err = expectNumeric(result, "the result"))
    return err;
  auto dim = readInt(args.inst, "dim");
  if (!dim)
    return dim.takeError();
  if (*dim < 0 || *dim >= static_cast<int64_t>(result.shape.size()))
    return checkError("dim " + Twine(*dim) + " is out of range for " +
                      typeString(result));
  return llvm::Error::success();
}

void runIota(const KernelArgs &args) {
  at::Tensor &result = args.result();
  int64_t dim = args.inst.getInt("dim");
  std::vector<int64_t> shape(result.dim(), 1);
  shape[dim] = result.size(dim);
  at::Tensor indices = at::arange(result.size(dim), at::kLong).view(shape);
  result.copy_(indices.expand(result.sizes()));
}

/// The step operand and the stream and seed of a counter-based draw.
llvm::Error checkDrawKey(const CheckArgs &args) {
  const TensorDesc &step = *args.operands[0];
  if (step.dtype != DType::I64 || !step.shape.empty())
    return checkError("the step is " + typeString(step) +
                      ", not a 0-d 64-bit integer tensor");
  for (llvm::StringRef name : {"stream", "seed"}) {
    auto value = readInt(args.inst, name);
    if (!value)
      return value.takeError();
    if (*value < 0)
      return checkError("attribute '" + name + "' is negative");
  }
  return llvm::Error::success();
}

llvm::Error checkDropoutMask(const CheckArgs &args) {
  if (llvm::Error err = expectBool(*args.results[0], "the result"))
    return err;
  auto p = readDouble(args.inst, "p");
  if (!p)
    return p.takeError();
  if (!(*p >= 0 && *p < 1))
    return checkError("p = " + Twine(std::to_string(*p)) + " is not in [0, 1)");
  return checkDrawKey(args);
}

/// The bits of a uniform draw in `dtype`: those its significand holds.
int uniformBits(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return 53;
  case DType::F32:
    return 24;
  case DType::F16:
    return 11;
  case DType::BF16:
    return 8;
  default:
    return 0;
  }
}

llvm::Error checkUniform(const CheckArgs &args) {
  const TensorDesc &result = *args.results[0];
  if (!uniformBits(result.dtype))
    return checkError("the result is " + typeString(result) +
                      ", not f64, f32, f16 or bf16");
  return checkDrawKey(args);
}

/// SplitMix64's constants (Steele, Lea, Flood: "Fast splittable
/// pseudorandom number generators", 2014), as ATen's int64 holds them.
constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMix1 = 0xBF58476D1CE4E5B9ull, kMix2 = 0x94D049BB133111EBull;

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * kMix1;
  z = (z ^ (z >> 27)) * kMix2;
  return z ^ (z >> 31);
}

/// z ^= z >> bits (a logical shift: ATen shifts int64 arithmetically, so
/// the sign's copies are masked off), in place; one temporary.
void xorShiftRight(at::Tensor &z, int bits) {
  at::Tensor shifted = at::bitwise_right_shift(z, bits);
  shifted.bitwise_and_(static_cast<int64_t>(~0ull >> bits));
  z.bitwise_xor_(shifted);
}

/// SplitMix64's finaliser on int64 words, in place (int64 products wrap
/// as uint64 ones do).
void mixInPlace(at::Tensor &z) {
  xorShiftRight(z, 30);
  z.mul_(static_cast<int64_t>(kMix1));
  xorShiftRight(z, 27);
  z.mul_(static_cast<int64_t>(kMix2));
  xorShiftRight(z, 31);
}

/// The words of the counter-based draw (docs/dropout.md) for the elements
/// of `flat`, mix(key + (i + 1) * golden) modulo 2^64 with key =
/// mix(mix(mix((seed + 1) * golden) ^ ((step + 1) * golden)) ^ ((stream +
/// 1) * golden)), shifted right (logically) by `shift`, passed to `store`
/// with the block of `flat` they are for. In blocks of kDropoutBlock
/// elements, so that the int64 temporaries (the counters and one shifted
/// copy) stay small whatever the draw's size (KernelWorkspace.cpp counts
/// them).
template <typename Store>
void drawBlocks(const KernelArgs &args, const at::Tensor &flat, int shift,
                Store store) {
  auto word = [](int64_t v) { return static_cast<uint64_t>(v); };
  uint64_t key = mix((word(args.inst.getInt("seed")) + 1) * kGolden);
  key = mix(key ^ ((word(args.hostInt(0)) + 1) * kGolden));
  key = mix(key ^ ((word(args.inst.getInt("stream")) + 1) * kGolden));
  auto options = at::TensorOptions(at::kLong).device(flat.device());
  for (int64_t start = 0; start < flat.numel(); start += kDropoutBlock) {
    int64_t end = std::min(flat.numel(), start + kDropoutBlock);
    at::Tensor z = at::arange(start + 1, end + 1, options);
    z.mul_(static_cast<int64_t>(kGolden)).add_(static_cast<int64_t>(key));
    mixInPlace(z);
    // A logical shift, as in xorShiftRight.
    z.bitwise_right_shift_(shift).bitwise_and_(
        static_cast<int64_t>(~0ull >> shift));
    at::Tensor block = flat.slice(0, start, end);
    store(block, z);
  }
}

/// Element i is kept when its draw's top 53 bits are at least
/// floor(p * 2^53).
void runDropoutMask(const KernelArgs &args) {
  auto threshold = static_cast<int64_t>(
      std::floor(args.inst.getDouble("p") * 9007199254740992.0)); // 2^53
  drawBlocks(args, args.result().view({-1}), 11,
             [&](at::Tensor &block, const at::Tensor &z) {
               at::ge_out(block, z, threshold);
             });
}

/// Element i is its draw's top m bits times 2^-m, m the bits the result's
/// type holds exactly: the integer converts exactly, the scaling by a
/// power of two is exact.
void runUniform(const KernelArgs &args) {
  at::Tensor &result = args.result();
  int bits = uniformBits(*dtypeOf(result.scalar_type()));
  drawBlocks(args, result.view({-1}), 64 - bits,
             [&](at::Tensor &block, const at::Tensor &z) {
               block.copy_(z);
               block.mul_(std::ldexp(1.0, -bits));
             });
}

//===----------------------------------------------------------------------===//
// slice, pad
//===----------------------------------------------------------------------===//

llvm::Error checkSlice(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  size_t rank = input.shape.size();
  auto starts = readPerDim(args.inst, "starts", rank);
  if (!starts)
    return starts.takeError();
  auto limits = readPerDim(args.inst, "limits", rank);
  if (!limits)
    return limits.takeError();
  auto strides = readPerDim(args.inst, "strides", rank);
  if (!strides)
    return strides.takeError();
  std::vector<int64_t> shape;
  for (size_t d = 0; d < rank; ++d) {
    int64_t start = (*starts)[d], limit = (*limits)[d], stride = (*strides)[d];
    if (start < 0 || start > limit || limit > input.shape[d] || stride < 1)
      return checkError("dimension " + Twine(d) + ": slice " + Twine(start) +
                        ":" + Twine(limit) + ":" + Twine(stride) +
                        " does not fit size " + Twine(input.shape[d]));
    shape.push_back((limit - start + stride - 1) / stride);
  }
  return expectType(*args.results[0], input.dtype, shape, "the result");
}

void runSlice(const KernelArgs &args) {
  std::vector<int64_t> starts = args.inst.getInts("starts"),
                       limits = args.inst.getInts("limits"),
                       strides = args.inst.getInts("strides");
  at::Tensor view = args.operand(0);
  for (size_t d = 0; d < starts.size(); ++d)
    view = view.slice(d, starts[d], limits[d], strides[d]);
  args.result().copy_(view);
}

llvm::Error checkPad(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0], &result = *args.results[0];
  size_t rank = input.shape.size();
  if (llvm::Error err = expectDType(result, input.dtype, "the result"))
    return err;
  if (llvm::Error err = expectRank(result, rank, "the result"))
    return err;
  auto low = readPerDim(args.inst, "low", rank);
  if (!low)
    return low.takeError();
  auto strides = readPerDim(args.inst, "strides", rank);
  if (!strides)
    return strides.takeError();
  for (size_t d = 0; d < rank; ++d) {
    int64_t l = (*low)[d], stride = (*strides)[d], n = input.shape[d];
    if (l < 0 || stride < 1)
      return checkError("dimension " + Twine(d) + ": low " + Twine(l) +
                        " and stride " + Twine(stride) +
                        " must be >= 0 and >= 1");
    if (n > 0 && l + (n - 1) * stride >= result.shape[d])
      return checkError("dimension " + Twine(d) + ": " + Twine(n) +
                        " elements from " + Twine(l) + " by " + Twine(stride) +
                        " do not fit the result size " +
                        Twine(result.shape[d]));
  }
  return llvm::Error::success();
}

void runPad(const KernelArgs &args) {
  std::vector<int64_t> low = args.inst.getInts("low"),
                       strides = args.inst.getInts("strides");
  const at::Tensor &input = args.operand(0);
  at::Tensor &result = args.result();
  result.zero_();
  if (input.numel() == 0)
    return;
  at::Tensor placed = result;
  for (size_t d = 0; d < low.size(); ++d)
    placed = placed.slice(
        d, low[d], low[d] + (input.size(d) - 1) * strides[d] + 1, strides[d]);
  placed.copy_(input);
}

//===----------------------------------------------------------------------===//
// concat, split
//===----------------------------------------------------------------------===//

llvm::Error checkConcat(const CheckArgs &args) {
  const TensorDesc &first = *args.operands[0];
  size_t rank = first.shape.size();
  auto dimAttr = readInt(args.inst, "dim");
  if (!dimAttr)
    return dimAttr.takeError();
  auto dim = normalizeDim(*dimAttr, rank, "dim");
  if (!dim)
    return dim.takeError();
  std::vector<int64_t> shape = first.shape;
  shape[*dim] = 0;
  for (auto [i, operand] : llvm::enumerate(args.operands)) {
    std::string what = "operand " + std::to_string(i);
    if (llvm::Error err = expectDType(*operand, first.dtype, what))
      return err;
    if (llvm::Error err = expectRank(*operand, rank, what))
      return err;
    for (size_t d = 0; d < rank; ++d)
      if (d != static_cast<size_t>(*dim) && operand->shape[d] != first.shape[d])
        return checkError(what + " " + typeString(*operand) +
                          " differs from operand 0 " + typeString(first) +
                          " outside dimension " + Twine(*dim));
    shape[*dim] += operand->shape[*dim];
  }
  return expectType(*args.results[0], first.dtype, shape, "the result");
}

void runConcat(const KernelArgs &args) {
  std::vector<at::Tensor> inputs(args.operands.begin(), args.operands.end());
  at::cat_out(args.result(), inputs, args.inst.getInt("dim"));
}

llvm::Error checkSplit(const CheckArgs &args) {
  const TensorDesc &input = *args.operands[0];
  auto dimAttr = readInt(args.inst, "dim");
  if (!dimAttr)
    return dimAttr.takeError();
  auto dim = normalizeDim(*dimAttr, input.shape.size(), "dim");
  if (!dim)
    return dim.takeError();
  auto sizes = readInts(args.inst, "sizes");
  if (!sizes)
    return sizes.takeError();
  if (sizes->size() != args.results.size())
    return checkError("attribute 'sizes' has " + Twine(sizes->size()) +
                      " entries for " + Twine(args.results.size()) +
                      " results");
  int64_t total = 0;
  for (auto [i, size] : llvm::enumerate(*sizes)) {
    if (size <= 0)
      return checkError("attribute 'sizes' must be positive");
    std::vector<int64_t> shape = input.shape;
    shape[*dim] = size;
    if (llvm::Error err = expectType(*args.results[i], input.dtype, shape,
                                     "result " + std::to_string(i)))
      return err;
    total += size;
  }
  if (total != input.shape[*dim])
    return checkError("attribute 'sizes' adds up to " + Twine(total) +
                      ", but dimension " + Twine(*dim) + " of the input has " +
                      Twine(input.shape[*dim]));
  return llvm::Error::success();
}

void runSplit(const KernelArgs &args) {
  int64_t dim = args.inst.getInt("dim");
  int64_t offset = 0;
  for (size_t i = 0; i < args.results.size(); ++i) {
    at::Tensor &result = args.result(i);
    int64_t size = result.size(dim);
    result.copy_(args.operand(0).narrow(dim, offset, size));
    offset += size;
  }
}

KernelInfo kernel(KernelFn run, CheckFn check, unsigned minOperands,
                  unsigned maxOperands, unsigned numResults = 1) {
  KernelInfo info;
  info.run = run;
  info.check = check;
  info.minOperands = minOperands;
  info.maxOperands = maxOperands;
  info.numResults = numResults;
  return info;
}

} // namespace

void dsc::rt::kernels::registerShapeKernels(
    llvm::StringMap<KernelInfo> &table) {
  KernelInfo reshape = kernel(runReshape, checkReshape, 1, 1);
  reshape.alias = Alias::Listed;
  reshape.inPlaceOperands = {0};
  table["reshape"] = reshape;
  table["transpose"] = kernel(runTranspose, checkTranspose, 1, 1);
  table["slice"] = kernel(runSlice, checkSlice, 1, 1);
  table["pad"] = kernel(runPad, checkPad, 1, 1);
  table["concat"] = kernel(runConcat, checkConcat, 1, ~0u);
  table["split"] = kernel(runSplit, checkSplit, 1, 1, /*numResults=*/0);
  table["broadcast"] = kernel(runBroadcast, checkBroadcast, 1, 1);
  table["iota"] = kernel(runIota, checkIota, 0, 0);
  table["dropout_mask"] = kernel(runDropoutMask, checkDropoutMask, 1, 1);
  table["uniform"] = kernel(runUniform, checkUniform, 1, 1);
  table["convert"] = kernel(runConvert, checkConvert, 1, 1);
}
