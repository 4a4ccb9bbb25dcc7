//===- KernelTest.cpp - the ATen kernels against LibTorch -----------------===//
//
// Every test builds a small plan in memory, runs it with the Executor and
// compares the results with what LibTorch's functional API, autograd or
// torch::optim computes on the same data: relative error max|a-b| / max|b|
// below 1e-5 in float32, tight enough to catch a wrong scale factor.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/ATenDType.h"
#include "dsc/Runtime/Executor.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Runtime/SafeTensors.h"

#include "kernels/ATenKernel.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

using namespace dsc::rt;
using llvm::ArrayRef;

namespace {

namespace F = torch::nn::functional;

DType testDType(at::ScalarType type) {
  std::optional<DType> dtype = dsc::rt::dtypeOf(type);
  if (!dtype)
    ADD_FAILURE() << "unexpected dtype in a test";
  return dtype.value_or(DType::F32);
}

at::ScalarType atenTypeOf(DType dtype) {
  std::optional<at::ScalarType> type = atenType(dtype);
  if (!type)
    ADD_FAILURE() << "unexpected dtype in a test";
  return type.value_or(at::kFloat);
}

ArrayRef<uint8_t> bytesOf(const at::Tensor &tensor) {
  return {static_cast<const uint8_t *>(tensor.data_ptr()),
          static_cast<size_t>(tensor.nbytes())};
}

TensorDesc descOf(const at::Tensor &tensor, std::string name, Storage storage,
                  uint64_t offset = 0) {
  TensorDesc desc;
  desc.name = std::move(name);
  desc.dtype = testDType(tensor.scalar_type());
  desc.shape = tensor.sizes().vec();
  desc.storage = storage;
  desc.offset = offset;
  return desc;
}

/// Adds a 0-d f32 constant as the plan's loss: every plan needs one.
void addDummyLoss(Plan &plan) {
  TensorDesc loss;
  loss.name = "loss";
  loss.storage = Storage::Constant;
  loss.offset = plan.constants.size();
  plan.constants.resize(plan.constants.size() + 4, 0);
  plan.loss = plan.tensors.size();
  plan.tensors.push_back(loss);
}

std::string errorMessage(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

/// Runs kernel `kernel` once: operands are Input tensors holding
/// `operands`, results are arena tensors typed like `resultTypes`. Returns
/// copies of the results.
std::vector<at::Tensor> runKernel(const std::string &kernel,
                                  std::vector<at::Tensor> operands,
                                  std::vector<at::Tensor> resultTypes,
                                  std::map<std::string, AttrValue> attrs = {}) {
  Plan plan;
  Instruction inst;
  inst.kernel = kernel;
  inst.attrs = std::move(attrs);
  for (auto &operand : operands) {
    operand = operand.detach().contiguous();
    inst.operands.push_back(plan.tensors.size());
    plan.tensors.push_back(descOf(
        operand, "in" + std::to_string(inst.operands.size()), Storage::Input));
  }
  for (const auto &type : resultTypes) {
    inst.results.push_back(plan.tensors.size());
    plan.tensors.push_back(descOf(type, "", Storage::Arena, plan.arenaBytes));
    plan.arenaBytes += llvm::alignTo(type.nbytes(), plan.arenaAlignment);
  }
  plan.instructions.push_back(inst);
  addDummyLoss(plan);

  auto executor = Executor::create(plan);
  if (!executor) {
    ADD_FAILURE() << llvm::toString(executor.takeError());
    return {};
  }
  for (size_t i = 0; i < operands.size(); ++i)
    EXPECT_EQ(errorMessage((*executor)->setInput("in" + std::to_string(i + 1),
                                                 bytesOf(operands[i]))),
              "");
  if (llvm::Error err = (*executor)->step()) {
    ADD_FAILURE() << llvm::toString(std::move(err));
    return {};
  }
  std::vector<at::Tensor> results;
  for (uint32_t index : inst.results) {
    const TensorDesc &desc = plan.tensors[index];
    at::Tensor out = at::empty(desc.shape, atenTypeOf(desc.dtype));
    auto data = (*executor)->tensorData(index);
    std::memcpy(out.data_ptr(), data.data(), data.size());
    results.push_back(out);
  }
  return results;
}

at::Tensor runKernel1(const std::string &kernel,
                      std::vector<at::Tensor> operands, at::Tensor resultType,
                      std::map<std::string, AttrValue> attrs = {}) {
  auto results =
      runKernel(kernel, std::move(operands), {resultType}, std::move(attrs));
  return results.empty() ? at::Tensor() : results[0];
}

/// max|actual - expected| / max|expected| is at most `tolerance`, with equal
/// shapes and dtypes.
::testing::AssertionResult close(const at::Tensor &actual,
                                 const at::Tensor &expected,
                                 double tolerance = 1e-5) {
  if (!actual.defined())
    return ::testing::AssertionFailure() << "no result";
  if (actual.sizes() != expected.sizes() ||
      actual.scalar_type() != expected.scalar_type())
    return ::testing::AssertionFailure()
           << "type " << actual.sizes() << " " << actual.scalar_type()
           << ", expected " << expected.sizes() << " "
           << expected.scalar_type();
  at::Tensor a = actual.to(at::kDouble), b = expected.detach().to(at::kDouble);
  double scale = b.numel() ? b.abs().max().item<double>() : 0.0;
  double error = a.numel() ? (a - b).abs().max().item<double>() : 0.0;
  double relative = scale > 0 ? error / scale : error;
  if (relative <= tolerance)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "relative error " << relative << " (max abs error " << error
         << ", scale " << scale << ")";
}

class KernelTest : public ::testing::Test {
protected:
  void SetUp() override { torch::manual_seed(0); }
};

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

TEST_F(KernelTest, UnaryOps) {
  at::Tensor x = torch::randn({3, 7});
  at::Tensor positive = x.abs() + 0.1;
  EXPECT_TRUE(close(runKernel1("neg", {x}, x), -x));
  EXPECT_TRUE(close(runKernel1("exp", {x}, x), x.exp()));
  EXPECT_TRUE(close(runKernel1("log", {positive}, x), positive.log()));
  EXPECT_TRUE(close(runKernel1("sqrt", {positive}, x), positive.sqrt()));
  EXPECT_TRUE(close(runKernel1("rsqrt", {positive}, x), positive.rsqrt()));
  EXPECT_TRUE(close(runKernel1("tanh", {x}, x), x.tanh()));
  EXPECT_TRUE(close(runKernel1("log1p", {positive}, x), positive.log1p()));
  EXPECT_TRUE(close(runKernel1("sin", {x}, x), x.sin()));
  EXPECT_TRUE(close(runKernel1("erf", {x}, x), x.erf()));
  EXPECT_TRUE(close(runKernel1("cos", {x}, x), x.cos()));
  EXPECT_TRUE(close(runKernel1("relu", {x}, x), x.relu()));
  EXPECT_TRUE(close(runKernel1("silu", {x}, x), F::silu(x)));
  EXPECT_TRUE(close(runKernel1("sigmoid", {x}, x), x.sigmoid()));
  EXPECT_TRUE(close(runKernel1("pow", {x}, x, {{"exponent", 3.0}}), x.pow(3)));
  EXPECT_TRUE(close(runKernel1("gelu", {x}, x, {{"approximate", "none"}}),
                    at::gelu(x, "none")));
  EXPECT_TRUE(close(runKernel1("gelu", {x}, x, {{"approximate", "tanh"}}),
                    at::gelu(x, "tanh")));
}

TEST_F(KernelTest, BinaryOpsBroadcast) {
  at::Tensor a = torch::randn({2, 3, 4}), b = torch::randn({3, 1});
  EXPECT_TRUE(close(runKernel1("add", {a, b}, a), a + b));
  EXPECT_TRUE(close(runKernel1("sub", {b, a}, a), b - a));
  EXPECT_TRUE(close(runKernel1("mul", {a, b}, a), a * b));
  EXPECT_TRUE(close(runKernel1("div", {a, b}, a), a / b));
  EXPECT_TRUE(close(runKernel1("maximum", {a, b}, a), at::maximum(a, b)));

  at::Tensor i = torch::tensor({7, -7, 9}, at::kLong),
             j = torch::tensor({2, 2, -4}, at::kLong);
  at::Tensor quotient = runKernel1("div", {i, j}, i);
  EXPECT_TRUE(at::equal(quotient, torch::tensor({3, -3, -2}, at::kLong)));

  at::Tensor mask = at::empty({2, 3, 4}, at::kBool);
  for (const char *direction : {"eq", "ne", "lt", "le", "gt", "ge"}) {
    at::Tensor expected = direction == std::string("eq")   ? a.eq(b)
                          : direction == std::string("ne") ? a.ne(b)
                          : direction == std::string("lt") ? a.lt(b)
                          : direction == std::string("le") ? a.le(b)
                          : direction == std::string("gt") ? a.gt(b)
                                                           : a.ge(b);
    EXPECT_TRUE(at::equal(
        runKernel1("compare", {a, b}, mask, {{"direction", direction}}),
        expected))
        << direction;
  }
  at::Tensor condition = a.gt(0);
  at::Tensor fill = torch::full({}, -1.0);
  EXPECT_TRUE(close(runKernel1("select", {condition, a, fill}, a),
                    at::where(condition, a, fill)));
}

//===----------------------------------------------------------------------===//
// Products, reductions, softmax, norms
//===----------------------------------------------------------------------===//

TEST_F(KernelTest, MatmulTransposeFlagsAndBatchBroadcast) {
  at::Tensor lhs = torch::randn({2, 3, 5, 4}); // transposed: [2,3,4,5]
  at::Tensor rhs = torch::randn({3, 6, 5});    // transposed: [3,5,6]
  at::Tensor expected =
      at::matmul(lhs.transpose(-1, -2), rhs.transpose(-1, -2));
  EXPECT_TRUE(close(runKernel1("matmul", {lhs, rhs}, expected,
                               {{"transpose_lhs", int64_t(1)},
                                {"transpose_rhs", int64_t(1)}}),
                    expected));
  at::Tensor a = torch::randn({4, 5}), b = torch::randn({2, 5, 3});
  EXPECT_TRUE(
      close(runKernel1("matmul", {a, b}, at::matmul(a, b)), at::matmul(a, b)));
}

// A float32 result of bfloat16 operands (matmul, linear, sum, mean) is the
// float32 accumulator, not rounded to bfloat16: within float32's rounding of
// the exact products' sum (bfloat16's step, 2^-8, would be 1000 times that).
TEST_F(KernelTest, HalfOperandsAccumulateIntoFloat32Results) {
  at::Tensor lhs = torch::randn({96, 40}).to(at::kBFloat16); // [K, M]
  at::Tensor rhs = torch::randn({96, 24}).to(at::kBFloat16); // [K, N]
  at::Tensor exact = at::matmul(lhs.to(at::kDouble).t(), rhs.to(at::kDouble));
  at::Tensor product =
      runKernel1("matmul", {lhs, rhs}, at::empty({40, 24}, at::kFloat),
                 {{"transpose_lhs", int64_t(1)}});
  EXPECT_TRUE(close(product, exact.to(at::kFloat), 1e-6));
  EXPECT_FALSE(close(at::matmul(lhs.t(), rhs).to(at::kFloat),
                     exact.to(at::kFloat), 1e-4));
  // A linear's too (a head-split output projection's partial sum), with
  // a bias as well.
  at::Tensor input = torch::randn({2, 20, 96}).to(at::kBFloat16);
  at::Tensor weight = rhs.t().contiguous(); // [N, K]
  at::Tensor bias = torch::randn({24}).to(at::kBFloat16);
  at::Tensor affine = at::linear(input.to(at::kDouble), weight.to(at::kDouble));
  EXPECT_TRUE(close(
      runKernel1("linear", {input, weight}, at::empty({2, 20, 24}, at::kFloat)),
      affine.to(at::kFloat), 1e-6));
  EXPECT_TRUE(close(runKernel1("linear", {input, weight, bias},
                               at::empty({2, 20, 24}, at::kFloat)),
                    (affine + bias.to(at::kDouble)).to(at::kFloat), 1e-6));
  EXPECT_FALSE(close(at::linear(input, weight).to(at::kFloat),
                     affine.to(at::kFloat), 1e-4));
  std::vector<int64_t> rows = {0};
  for (at::ScalarType half : {at::kBFloat16, at::kHalf}) {
    at::Tensor x = torch::randn({512, 8}).to(half);
    at::Tensor sum = x.to(at::kDouble).sum(rows);
    EXPECT_TRUE(close(
        runKernel1("sum", {x}, at::empty({8}, at::kFloat), {{"dims", rows}}),
        sum.to(at::kFloat), 1e-6));
    at::Tensor mean = x.to(at::kDouble).mean(rows);
    EXPECT_TRUE(close(
        runKernel1("mean", {x}, at::empty({8}, at::kFloat), {{"dims", rows}}),
        mean.to(at::kFloat), 1e-6));
  }
}

// An RMSNorm's weight gradient, float32 over a bfloat16 input: the float32
// sum of the rounded terms dy * (x * r) that the bfloat16 result rounds
// once (to float32 rounding), the input's gradient the same.
TEST_F(KernelTest, RmsNormWeightGradientAccumulatesIntoFloat32) {
  int64_t d = 8;
  at::Tensor x = (torch::randn({64, 4, d}) * 2 + 1).to(at::kBFloat16);
  at::Tensor w = torch::randn({d}).to(at::kBFloat16);
  at::Tensor dy = torch::randn({64, 4, d}).to(at::kBFloat16);
  double eps = 1e-5;
  std::vector<int64_t> rows = {0, 1};
  at::Tensor rstd = at::rsqrt(x.pow(2).mean(-1, true) + eps);
  at::Tensor sum = (dy * (x * rstd)).to(at::kDouble).sum(rows).to(at::kFloat);
  auto wide = runKernel("rms_norm_grad", {x, w, dy},
                        {x, at::empty({d}, at::kFloat)}, {{"epsilon", eps}});
  auto rounded =
      runKernel("rms_norm_grad", {x, w, dy}, {x, w}, {{"epsilon", eps}});
  ASSERT_EQ(wide.size(), 2u);
  ASSERT_EQ(rounded.size(), 2u);
  EXPECT_TRUE(close(wide[1], sum, 1e-6));
  EXPECT_TRUE(close(rounded[1], sum.to(at::kBFloat16), 0));
  EXPECT_TRUE(close(wide[0], rounded[0], 0));
}

TEST_F(KernelTest, Linear) {
  at::Tensor x = torch::randn({2, 3, 8}), w = torch::randn({5, 8}),
             b = torch::randn({5});
  EXPECT_TRUE(close(runKernel1("linear", {x, w, b}, F::linear(x, w, b)),
                    F::linear(x, w, b)));
  EXPECT_TRUE(
      close(runKernel1("linear", {x, w}, F::linear(x, w)), F::linear(x, w)));
}

TEST_F(KernelTest, Reductions) {
  at::Tensor x = torch::randn({2, 3, 4});
  std::vector<int64_t> dims = {0, 2};
  for (bool keepdim : {false, true}) {
    std::map<std::string, AttrValue> attrs = {{"dims", dims}};
    if (keepdim)
      attrs["keepdim"] = int64_t(1);
    at::Tensor sum = x.sum(dims, keepdim);
    EXPECT_TRUE(close(runKernel1("sum", {x}, sum, attrs), sum));
    at::Tensor mean = x.mean(dims, keepdim);
    EXPECT_TRUE(close(runKernel1("mean", {x}, mean, attrs), mean));
    at::Tensor max = x.amax(dims, keepdim);
    EXPECT_TRUE(close(runKernel1("max", {x}, max, attrs), max));
  }
}

TEST_F(KernelTest, SoftmaxAndLogSoftmax) {
  at::Tensor x = torch::randn({2, 3, 5}) * 4;
  EXPECT_TRUE(close(runKernel1("softmax", {x}, x, {{"dim", int64_t(1)}}),
                    x.softmax(1)));
  EXPECT_TRUE(close(runKernel1("log_softmax", {x}, x, {{"dim", int64_t(-1)}}),
                    x.log_softmax(-1)));
}

TEST_F(KernelTest, SoftmaxGradsMatchAutograd) {
  at::Tensor x = (torch::randn({2, 3, 5}) * 3).requires_grad_();
  at::Tensor dy = torch::randn({2, 3, 5});
  at::Tensor y = x.softmax(-1);
  at::Tensor dx = torch::autograd::grad({y}, {x}, {dy})[0];
  EXPECT_TRUE(close(
      runKernel1("softmax_grad", {y, dy}, x, {{"dim", int64_t(-1)}}), dx));

  at::Tensor logY = x.log_softmax(1);
  at::Tensor dLog = torch::autograd::grad({logY}, {x}, {dy})[0];
  EXPECT_TRUE(close(
      runKernel1("log_softmax_grad", {logY, dy}, x, {{"dim", int64_t(1)}}),
      dLog));
}

TEST_F(KernelTest, LayerNormAndGrad) {
  int64_t d = 16;
  at::Tensor x = (torch::randn({2, 5, d}) * 2 + 1).requires_grad_();
  at::Tensor w = torch::randn({d}).requires_grad_();
  at::Tensor b = torch::randn({d}).requires_grad_();
  double eps = 1e-5;
  at::Tensor y = at::layer_norm(x, {d}, w, b, eps);
  EXPECT_TRUE(close(runKernel1("layer_norm", {x, w, b}, y,
                               {{"epsilon", eps},
                                {"has_weight", int64_t(1)},
                                {"has_bias", int64_t(1)}}),
                    y));
  // Bias only: has_weight and has_bias tell which optional operand is there.
  at::Tensor yBias = at::layer_norm(x, {d}, {}, b, eps);
  EXPECT_TRUE(close(runKernel1("layer_norm", {x, b}, y,
                               {{"epsilon", eps},
                                {"has_weight", int64_t(0)},
                                {"has_bias", int64_t(1)}}),
                    yBias));
  at::Tensor yPlain = at::layer_norm(x, {d}, {}, {}, eps);
  EXPECT_TRUE(
      close(runKernel1("layer_norm", {x}, y, {{"epsilon", eps}}), yPlain));

  at::Tensor dy = torch::randn({2, 5, d});
  auto grads = torch::autograd::grad({y}, {x, w, b}, {dy});
  auto results =
      runKernel("layer_norm_grad", {x, w, dy}, {x, w, b}, {{"epsilon", eps}});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(close(results[0], grads[0]));
  EXPECT_TRUE(close(results[1], grads[1]));
  EXPECT_TRUE(close(results[2], grads[2]));
}

TEST_F(KernelTest, RmsNormAndGrad) {
  int64_t d = 12;
  double eps = 1e-6;
  at::Tensor x = (torch::randn({3, 4, d}) * 2).requires_grad_();
  at::Tensor w = torch::randn({d}).requires_grad_();
  // Llama's RMSNorm.
  at::Tensor y = w * (x * at::rsqrt(x.pow(2).mean(-1, true) + eps));
  EXPECT_TRUE(close(runKernel1("rms_norm", {x, w}, y, {{"epsilon", eps}}), y));
  at::Tensor yPlain = x * at::rsqrt(x.pow(2).mean(-1, true) + eps);
  EXPECT_TRUE(
      close(runKernel1("rms_norm", {x}, y, {{"epsilon", eps}}), yPlain));

  at::Tensor dy = torch::randn({3, 4, d});
  auto grads = torch::autograd::grad({y}, {x, w}, {dy});
  auto results =
      runKernel("rms_norm_grad", {x, w, dy}, {x, w}, {{"epsilon", eps}});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(close(results[0], grads[0]));
  EXPECT_TRUE(close(results[1], grads[1]));
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// softmax(q kᵀ scale + mask) v with key/value heads repeated for GQA.
/// An attention's options, for the reference and the kernel.
struct AttentionCase {
  int64_t hq, hkv, s, skv;
  bool causal = false;
  int64_t window = 0;
  int64_t keyLength = -1;
  /// Empty: no bias.
  std::vector<int64_t> biasShape;
  /// The head sizes of query/key and of value: equal ones run ATen's fused
  /// (flash) kernel, others the probabilities (PlanMemory.h).
  int64_t d = 8, dv = 8;
  /// Gemma 2's soft-cap of the scaled scores (before bias and masks; the
  /// blocked composite kernel); 0: none.
  double softcap = 0;
  /// The bias's gradient too (a fourth result; the blocked kernel).
  bool biasGrad = false;
  /// GPT-OSS's sinks [Hq] (trainable; the blocked kernel).
  bool sinks = false;
  /// DeBERTa's `masked_fill(~mask, fill)` after the bias, the mask [B, 1,
  /// S, Skv] that of padding the last batch's last third (rows and keys):
  /// the kernel's bias is -inf there and `fill` its attribute.
  std::optional<double> fill;
};

/// The padding mask of a fill case: [B, 1, S, Skv], true where kept, the
/// last batch's positions from 2/3 of the way on padded (as rows and as
/// keys: its padded rows are hidden whole).
at::Tensor fillKeep(int64_t b, const AttentionCase &c) {
  at::Tensor rows = torch::ones({b, c.s}, at::kBool);
  at::Tensor keys = torch::ones({b, c.skv}, at::kBool);
  rows[b - 1].narrow(0, 2 * c.s / 3, c.s - 2 * c.s / 3).fill_(false);
  keys[b - 1].narrow(0, 2 * c.skv / 3, c.skv - 2 * c.skv / 3).fill_(false);
  return rows.reshape({b, 1, c.s, 1})
      .logical_and(keys.reshape({b, 1, 1, c.skv}));
}

/// The attention as PyTorch users write it: repeated key/value heads,
/// masks built with tril/triu and column ranges.
at::Tensor referenceAttention(const at::Tensor &q, const at::Tensor &k,
                              const at::Tensor &v, const at::Tensor &bias,
                              const at::Tensor &sinks, const AttentionCase &c,
                              double scale) {
  int64_t group = q.size(1) / k.size(1);
  at::Tensor kr = k.repeat_interleave(group, 1);
  at::Tensor vr = v.repeat_interleave(group, 1);
  at::Tensor scores = at::matmul(q, kr.transpose(-1, -2)) * scale;
  if (c.softcap > 0)
    scores = at::tanh(scores / c.softcap) * c.softcap;
  if (bias.defined())
    scores = scores + bias;
  if (c.fill)
    scores = scores.masked_fill(fillKeep(q.size(0), c).logical_not(), *c.fill);
  at::Tensor keep = torch::ones({c.s, c.skv}, at::kBool);
  if (c.causal)
    keep = keep.tril(0);
  if (c.window > 0)
    keep = keep.triu(-(c.window - 1));
  if (c.keyLength >= 0)
    keep.narrow(1, c.keyLength, c.skv - c.keyLength).fill_(false);
  scores = scores.masked_fill(keep.logical_not(), -INFINITY);
  if (!sinks.defined())
    return at::matmul(scores.softmax(-1), vr);
  // GPT-OSS: the sinks as a last column, the rows' maxima subtracted, the
  // sinks' probabilities dropped.
  at::Tensor column =
      sinks.reshape({1, -1, 1, 1}).expand({q.size(0), -1, c.s, 1});
  at::Tensor combined = at::cat({scores, column}, -1);
  combined = combined - std::get<0>(combined.max(-1, /*keepdim=*/true));
  return at::matmul(combined.softmax(-1).narrow(-1, 0, c.skv), vr);
}

void checkAttention(const AttentionCase &c) {
  SCOPED_TRACE("hq=" + std::to_string(c.hq) + " hkv=" + std::to_string(c.hkv) +
               " causal=" + std::to_string(c.causal) +
               " window=" + std::to_string(c.window) +
               " key_length=" + std::to_string(c.keyLength) +
               " bias rank=" + std::to_string(c.biasShape.size()) +
               " d=" + std::to_string(c.d) + " dv=" + std::to_string(c.dv) +
               " softcap=" + std::to_string(c.softcap) +
               " bias grad=" + std::to_string(c.biasGrad) +
               " sinks=" + std::to_string(c.sinks) +
               " fill=" + (c.fill ? std::to_string(*c.fill) : "none"));
  int64_t b = 2, d = c.d, dv = c.dv;
  double scale = 1.0 / std::sqrt(double(d));
  at::Tensor q = torch::randn({b, c.hq, c.s, d}).requires_grad_();
  at::Tensor k = torch::randn({b, c.hkv, c.skv, d}).requires_grad_();
  at::Tensor v = torch::randn({b, c.hkv, c.skv, dv}).requires_grad_();
  at::Tensor bias;
  if (!c.biasShape.empty())
    bias = torch::randn(c.biasShape).requires_grad_(c.biasGrad);
  at::Tensor sinks;
  if (c.sinks)
    sinks = (torch::randn({c.hq}) * 2).requires_grad_();
  at::Tensor out = referenceAttention(q, k, v, bias, sinks, c, scale);
  std::map<std::string, AttrValue> attrs = {{"scale", scale}};
  if (c.causal)
    attrs["causal"] = int64_t(1);
  if (c.window > 0)
    attrs["window"] = c.window;
  if (c.keyLength >= 0)
    attrs["key_length"] = c.keyLength;
  if (c.softcap > 0)
    attrs["softcap"] = c.softcap;
  if (c.sinks)
    attrs["has_sinks"] = int64_t(1);
  // With a fill, the kernel's bias is -inf where the mask hides a score.
  at::Tensor kernelBias = bias;
  if (c.fill) {
    attrs["fill"] = *c.fill;
    kernelBias = bias.detach().masked_fill(
        fillKeep(b, c).logical_not(), -std::numeric_limits<double>::infinity());
  }
  std::vector<at::Tensor> operands = {q, k, v};
  for (const at::Tensor &optional : {kernelBias, sinks})
    if (optional.defined())
      operands.push_back(optional);
  EXPECT_TRUE(close(runKernel1("attention", operands, out, attrs), out));

  at::Tensor dOut = torch::randn(out.sizes());
  std::vector<at::Tensor> inputs = {q, k, v};
  if (c.biasGrad)
    inputs.push_back(bias);
  if (c.sinks)
    inputs.push_back(sinks);
  auto grads = torch::autograd::grad({out}, inputs, {dOut});
  std::vector<at::Tensor> gradOperands = {q, k, v, out, dOut};
  for (const at::Tensor &optional : {kernelBias, sinks})
    if (optional.defined())
      gradOperands.push_back(optional);
  auto results = runKernel("attention_grad", gradOperands, inputs, attrs);
  ASSERT_EQ(results.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_TRUE(close(results[i], grads[i])) << "gradient " << i;
}

/// Each case through both kernels: fused (equal head sizes) and not.
void checkAttentionBothWays(AttentionCase c) {
  checkAttention(c);
  c.dv = 6;
  checkAttention(c);
}

TEST_F(KernelTest, AttentionCausalGQAAndGradMatchAutograd) {
  checkAttentionBothWays(
      {/*hq=*/4, /*hkv=*/2, /*s=*/7, /*skv=*/7, /*causal=*/true});
  checkAttentionBothWays(
      {/*hq=*/3, /*hkv=*/3, /*s=*/5, /*skv=*/5, /*causal=*/true});
  checkAttentionBothWays(
      {/*hq=*/4, /*hkv=*/1, /*s=*/5, /*skv=*/9, /*causal=*/false});
}

TEST_F(KernelTest, AttentionWindowKeyLengthAndBiasMatchAutograd) {
  // Sliding windows of 1, 3 and wider than the sequence.
  for (int64_t window : {1, 3, 9})
    checkAttentionBothWays({4, 2, 7, 7, /*causal=*/true, window});
  // Padded keys left out, with and without causality.
  checkAttentionBothWays({4, 2, 6, 6, /*causal=*/false, 0, /*keyLength=*/4});
  checkAttentionBothWays({2, 1, 6, 6, /*causal=*/true, 0, /*keyLength=*/5});
  // ALiBi-like [1, Hq, 1, Skv], a key mask [B, 1, 1, Skv], a full bias.
  checkAttentionBothWays({4, 2, 5, 5, true, 0, -1, {1, 4, 1, 5}});
  checkAttentionBothWays({4, 4, 5, 7, false, 0, -1, {2, 1, 1, 7}});
  checkAttentionBothWays({4, 1, 5, 5, true, 2, 4, {2, 4, 5, 5}});
}

TEST_F(KernelTest, SoftCappedAttentionMatchesAutograd) {
  // Scores of about unit size under a cap of 1.5 (tanh far from linear),
  // with GQA, masks and biases, and over several blocks of rows.
  auto capped = [](AttentionCase c) {
    c.softcap = 1.5;
    return c;
  };
  checkAttentionBothWays(capped({4, 2, 7, 7, /*causal=*/true}));
  checkAttentionBothWays(capped({4, 1, 5, 9, /*causal=*/false}));
  checkAttentionBothWays(capped({4, 2, 7, 7, true, /*window=*/3}));
  checkAttentionBothWays(capped({2, 1, 6, 6, false, 0, /*keyLength=*/4}));
  checkAttentionBothWays(capped({4, 1, 5, 5, true, 2, 4, {2, 4, 5, 5}}));
  checkAttention(
      capped({2, 2, 530, 530, true, 100, -1, {1, 2, 1, 530}, 16, 16}));
}

TEST_F(KernelTest, AttentionBiasGradientMatchesAutograd) {
  // Trainable biases: a relative position bias [1, Hq, S, Skv], ALiBi-like
  // [1, Hq, 1, Skv], per batch [B, 1, S, Skv], full; with masks, GQA, a
  // soft-cap, and over several blocks of rows.
  auto withGrad = [](AttentionCase c) {
    c.biasGrad = true;
    return c;
  };
  checkAttentionBothWays(withGrad({4, 2, 7, 7, true, 0, -1, {1, 4, 7, 7}}));
  checkAttentionBothWays(withGrad({4, 1, 5, 9, false, 0, -1, {1, 4, 1, 9}}));
  checkAttentionBothWays(withGrad({2, 2, 6, 6, false, 0, 4, {2, 1, 6, 6}}));
  checkAttentionBothWays(withGrad({4, 2, 7, 7, true, 3, -1, {2, 4, 7, 7}}));
  checkAttentionBothWays(withGrad({4, 2, 1, 5, false, 0, -1, {1, 4, 1, 5}}));
  // (Not one broadcast over the keys: softmax is blind to a shift of a
  // row, so that gradient is zero, and rounding noise to compare.)
  AttentionCase capped = withGrad({4, 2, 7, 7, true, 0, -1, {2, 1, 1, 7}});
  capped.softcap = 1.5;
  checkAttentionBothWays(capped);
  checkAttention(
      withGrad({2, 1, 300, 300, true, 0, -1, {1, 2, 300, 300}, 16, 16}));
}

/// How many elements of half-type `actual` differ from `expected`, and
/// whether each that does is within one step of the type (2^-7 of the
/// larger magnitude for bfloat16, 2^-10 for float16) plus float32 noise
/// (1e-6 of the largest element: a sum that cancels to a small value).
std::pair<int64_t, bool> halfSteps(const at::Tensor &actual,
                                   const at::Tensor &expected) {
  at::Tensor a = actual.to(at::kDouble), e = expected.to(at::kDouble);
  double step = actual.scalar_type() == at::kBFloat16 ? 0x1p-7 : 0x1p-10;
  at::Tensor gap = (a - e).abs();
  at::Tensor bound =
      at::maximum(a.abs(), e.abs()) * step + e.abs().max() * 1e-6;
  return {gap.ne(0).sum().item<int64_t>(), gap.le(bound).all().item<bool>()};
}

// Half-type attention where PyTorch picks its math SDPA (a mask that needs
// a gradient: T5's relative bias; head sizes the flash kernel does not
// take): the composite forms compute in float32 and round once, as ATen's
// _scaled_dot_product_attention_math does for half types, so each result
// is its value but for isolated elements one step apart (where the float32
// values' last bits move a rounding). Rounding each step to the half type
// instead put most elements of the gradients a step or more apart.
// The forward too where the bias gets a gradient (bias_grad), as PyTorch
// picks its math backend for a mask that requires grad.
TEST_F(KernelTest, HalfAttentionRoundsOnceAsPyTorchsMathSdpa) {
  for (at::ScalarType half : {at::kBFloat16, at::kHalf}) {
    for (int64_t dv : {16, 12}) {
      SCOPED_TRACE(std::string(c10::toString(half)) +
                   " dv=" + std::to_string(dv));
      int64_t b = 2, h = 4, s = 24, d = 16;
      double scale = 1.0 / std::sqrt(double(d));
      auto leaf = [&](std::vector<int64_t> shape) {
        return torch::randn(shape).to(half).requires_grad_();
      };
      at::Tensor q = leaf({b, h, s, d}), k = leaf({b, h, s, d}),
                 v = leaf({b, h, s, dv}), bias = leaf({1, h, s, s});
      at::Tensor out = std::get<0>(at::_scaled_dot_product_attention_math(
          q, k, v, bias, 0.0, false, std::nullopt, scale));
      at::Tensor dOut = torch::randn(out.sizes()).to(half);
      auto grads = torch::autograd::grad({out}, {q, k, v, bias}, {dOut});
      std::map<std::string, AttrValue> attrs = {{"scale", scale}};
      // The forward of an attention whose bias gets a gradient (bias_grad,
      // as -ds-autodiff marks it) in the composite form also for equal
      // head sizes. Without it, ATen's flash kernel rounds the
      // probabilities to the half type before multiplying the values: a
      // third of the elements a step apart from the math SDPA's.
      std::map<std::string, AttrValue> forwardAttrs = attrs;
      forwardAttrs["bias_grad"] = int64_t(1);
      auto [outDiffering, outStep] = halfSteps(
          runKernel1("attention", {q, k, v, bias}, out, forwardAttrs), out);
      EXPECT_LE(outDiffering, out.numel() / 100);
      EXPECT_TRUE(outStep);
      if (dv == d) {
        auto [flashDiffering, flashStep] = halfSteps(
            runKernel1("attention", {q, k, v, bias}, out, attrs), out);
        EXPECT_GT(flashDiffering, out.numel() / 10);
      }
      auto results = runKernel("attention_grad", {q, k, v, out, dOut, bias},
                               {q, k, v, bias}, attrs);
      ASSERT_EQ(results.size(), 4u);
      for (size_t i = 0; i < 4; ++i) {
        auto [differing, step] = halfSteps(results[i], grads[i]);
        EXPECT_LE(differing, grads[i].numel() / 100) << "gradient " << i;
        EXPECT_TRUE(step) << "gradient " << i;
      }
    }
  }
}

TEST_F(KernelTest, AttentionWithSinksMatchesAutograd) {
  // GPT-OSS's sinks (logits about 2 in size, so their probabilities are
  // far from 0 and 1): causal, sliding windows, GQA, padded keys, with a
  // bias and its gradient, a cap, and over several blocks of rows.
  auto sunk = [](AttentionCase c) {
    c.sinks = true;
    return c;
  };
  checkAttentionBothWays(sunk({4, 2, 7, 7, /*causal=*/true}));
  checkAttentionBothWays(sunk({4, 2, 7, 7, true, /*window=*/3}));
  checkAttentionBothWays(sunk({4, 1, 5, 9, /*causal=*/false}));
  checkAttentionBothWays(sunk({2, 2, 6, 6, false, 0, /*keyLength=*/4}));
  AttentionCase biased = sunk({4, 2, 7, 7, true, 0, -1, {1, 4, 7, 7}});
  biased.biasGrad = true;
  biased.softcap = 1.5;
  checkAttentionBothWays(biased);
  checkAttention(sunk({4, 2, 300, 300, true, 50, -1, {}, 16, 16}));
}

TEST_F(KernelTest, AttentionWithFillMatchesAutograd) {
  // DeBERTa's finfo.min and an older -1e4 filled after a full bias and
  // per batch [B, 1, S, Skv] (the padded rows hidden whole: uniform
  // probabilities, no gradient to q, k or the bias there, while dOut is
  // nonzero on them), with GQA, padded keys, causality (the fill only
  // where causality keeps the key), a cap, sinks, and over several blocks
  // of rows.
  auto filled = [](AttentionCase c, double fill) {
    c.fill = fill;
    return c;
  };
  for (double fill : {-3.4028234663852886e38, -1e4}) {
    checkAttentionBothWays(
        filled({4, 2, 6, 6, false, 0, -1, {2, 4, 6, 6}}, fill));
    checkAttentionBothWays(
        filled({4, 2, 6, 9, false, 0, 7, {2, 1, 6, 9}}, fill));
    checkAttentionBothWays(
        filled({2, 1, 7, 7, true, 0, -1, {2, 2, 7, 7}}, fill));
  }
  AttentionCase trained =
      filled({4, 2, 7, 7, false, 0, -1, {2, 4, 7, 7}}, -3.4028234663852886e38);
  trained.biasGrad = true;
  checkAttentionBothWays(trained);
  trained.softcap = 1.5;
  trained.sinks = true;
  checkAttentionBothWays(trained);
  AttentionCase tall =
      filled({2, 1, 300, 300, false, 0, -1, {2, 1, 300, 300}, 16, 16},
             -3.4028234663852886e38);
  tall.biasGrad = true;
  checkAttention(tall);
}

TEST_F(KernelTest, FusedAttentionAcrossBlocksMatchesAutograd) {
  // Lengths over ATen's blocks (64 queries from 192 on, 512 keys): several
  // query blocks, two key blocks with a ragged tail, causal ones skipped.
  checkAttention({2,
                  1,
                  200,
                  600,
                  /*causal=*/false,
                  0,
                  /*keyLength=*/550,
                  {},
                  /*d=*/16,
                  /*dv=*/16});
  checkAttention({2,
                  2,
                  530,
                  530,
                  /*causal=*/true,
                  /*window=*/100,
                  -1,
                  {1, 2, 1, 530},
                  16,
                  16});
}

//===----------------------------------------------------------------------===//
// Embedding, loss, activations' gradients
//===----------------------------------------------------------------------===//

TEST_F(KernelTest, EmbeddingAndGrad) {
  at::Tensor table = torch::randn({10, 4}).requires_grad_();
  at::Tensor indices = torch::tensor({{1, 3, 1}, {9, 0, 3}}, at::kLong);
  at::Tensor rows = F::embedding(indices, table);
  EXPECT_TRUE(close(runKernel1("embedding", {table, indices}, rows), rows));
  EXPECT_TRUE(close(
      runKernel1("embedding", {table, indices.to(at::kInt)}, rows), rows));

  at::Tensor dy = torch::randn(rows.sizes());
  at::Tensor dTable = torch::autograd::grad({rows}, {table}, {dy})[0];
  EXPECT_TRUE(
      close(runKernel1("embedding_grad", {indices, dy}, table), dTable));

  // `padding_idx`: that row gets no gradient, as in PyTorch.
  at::Tensor padded =
      F::embedding(indices, table, F::EmbeddingFuncOptions().padding_idx(3));
  at::Tensor dPadded = torch::autograd::grad({padded}, {table}, {dy})[0];
  EXPECT_EQ(dPadded[3].abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(close(runKernel1("embedding_grad", {indices, dy}, table,
                               {{"padding_idx", int64_t(3)}}),
                    dPadded));
}

TEST_F(KernelTest, CrossEntropyIgnoreIndexAndGrad) {
  int64_t classes = 7;
  at::Tensor logits = (torch::randn({2, 5, classes}) * 3).requires_grad_();
  at::Tensor labels = torch::randint(0, classes, {2, 5}, at::kLong);
  labels[0][1] = -100;
  labels[1][4] = -100;
  labels[1][0] = -100;
  at::Tensor loss =
      F::cross_entropy(logits.view({-1, classes}), labels.view(-1),
                       F::CrossEntropyFuncOptions().ignore_index(-100));
  std::map<std::string, AttrValue> attrs = {{"ignore_index", int64_t(-100)}};
  EXPECT_TRUE(
      close(runKernel1("cross_entropy", {logits, labels}, loss, attrs), loss));
  // ignore_index is an attribute, not a fixed -100.
  at::Tensor shifted = labels.clamp_min(0);
  at::Tensor lossZero =
      F::cross_entropy(logits.view({-1, classes}), shifted.view(-1),
                       F::CrossEntropyFuncOptions().ignore_index(0));
  EXPECT_TRUE(close(runKernel1("cross_entropy", {logits, shifted}, loss,
                               {{"ignore_index", int64_t(0)}}),
                    lossZero));

  at::Tensor dLoss = torch::full({}, 0.7);
  at::Tensor dLogits = torch::autograd::grad({loss}, {logits}, {dLoss})[0];
  EXPECT_TRUE(close(
      runKernel1("cross_entropy_grad", {logits, labels, dLoss}, logits, attrs),
      dLogits));
  // Summed, and int32 labels.
  at::Tensor sum = F::cross_entropy(
      logits.view({-1, classes}), labels.view(-1),
      F::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kSum));
  at::Tensor dSum = torch::autograd::grad({sum}, {logits}, {dLoss})[0];
  std::map<std::string, AttrValue> sumAttrs = attrs;
  sumAttrs["sum"] = int64_t(1);
  EXPECT_TRUE(
      close(runKernel1("cross_entropy_grad",
                       {logits, labels.to(at::kInt), dLoss}, logits, sumAttrs),
            dSum));
  // Every label ignored: the mean's gradient is 0 (as autograd's), not NaN.
  at::Tensor ignored = torch::full({2, 5}, -100, at::kLong);
  at::Tensor none =
      runKernel1("cross_entropy_grad", {logits, ignored, dLoss}, logits, attrs);
  EXPECT_TRUE(none.defined() && none.eq(0).all().item<bool>());
}

// The gradient is autograd's bit for bit (its kernels in its order), for
// float32 and bfloat16 logits, mean and sum, ignored rows, and a
// vocabulary large enough for several blocks of rows: where a half-type
// rounding follows (autocast's matmul below the loss), a last-bit
// difference would move it. The fused softmax - onehot form differed in
// its last bit from autograd's exp(log p) in some elements.
TEST_F(KernelTest, CrossEntropyGradientIsAutogradsBitForBit) {
  int64_t rows = 100, classes = 40000;
  for (at::ScalarType type : {at::kFloat, at::kBFloat16}) {
    for (bool summed : {false, true}) {
      SCOPED_TRACE(std::string(c10::toString(type)) +
                   (summed ? " sum" : " mean"));
      ASSERT_GT(rows, crossEntropyRowBlock(rows, classes, 4));
      at::Tensor logits =
          (torch::randn({rows, classes}) * 4).to(type).requires_grad_();
      at::Tensor labels = torch::randint(0, classes, {rows}, at::kLong);
      labels.narrow(0, 10, 7).fill_(-100);
      auto options = F::CrossEntropyFuncOptions().ignore_index(-100);
      if (summed)
        options = options.reduction(torch::kSum);
      at::Tensor loss = F::cross_entropy(logits, labels, options);
      at::Tensor dLoss = torch::full({}, 0.7).to(type);
      at::Tensor dLogits = torch::autograd::grad({loss}, {logits}, {dLoss})[0];
      std::map<std::string, AttrValue> attrs = {
          {"ignore_index", int64_t(-100)}};
      if (summed)
        attrs["sum"] = int64_t(1);
      at::Tensor ours = runKernel1("cross_entropy_grad",
                                   {logits, labels, dLoss}, logits, attrs);
      EXPECT_TRUE(at::equal(ours, dLogits))
          << ours.ne(dLogits).sum().item<int64_t>() << " elements differ";
    }
  }
}

TEST_F(KernelTest, ActivationGradsMatchAutograd) {
  at::Tensor x = (torch::randn({4, 9}) * 3).requires_grad_();
  at::Tensor dy = torch::randn({4, 9});
  for (const char *mode : {"none", "tanh"}) {
    at::Tensor y = at::gelu(x, mode);
    at::Tensor dx = torch::autograd::grad({y}, {x}, {dy})[0];
    EXPECT_TRUE(
        close(runKernel1("gelu_grad", {x, dy}, x, {{"approximate", mode}}), dx))
        << mode;
  }
  at::Tensor y = F::silu(x);
  at::Tensor dx = torch::autograd::grad({y}, {x}, {dy})[0];
  EXPECT_TRUE(close(runKernel1("silu_grad", {x, dy}, x), dx));
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

TEST_F(KernelTest, PadIsTheTransposeOfSlice) {
  at::Tensor x = torch::randn({6, 9});
  std::vector<int64_t> starts = {1, 2}, limits = {6, 9}, strides = {2, 3};
  at::Tensor sliced = x.slice(0, 1, 6, 2).slice(1, 2, 9, 3);
  at::Tensor slice = runKernel1(
      "slice", {x}, sliced,
      {{"starts", starts}, {"limits", limits}, {"strides", strides}});
  EXPECT_TRUE(at::equal(slice, sliced));

  // pad(slice(x)) keeps x at the sliced positions and zeros elsewhere, and
  // <slice(x), y> == <x, pad(y)>.
  at::Tensor padded =
      runKernel1("pad", {slice}, x, {{"low", starts}, {"strides", strides}});
  at::Tensor mask = torch::zeros({6, 9});
  mask.slice(0, 1, 6, 2).slice(1, 2, 9, 3).fill_(1);
  EXPECT_TRUE(at::equal(padded, x * mask));
  at::Tensor y = torch::randn(sliced.sizes());
  at::Tensor padY =
      runKernel1("pad", {y}, x, {{"low", starts}, {"strides", strides}});
  EXPECT_NEAR((sliced * y).sum().item<double>(),
              (x * padY).sum().item<double>(), 1e-4);
}

TEST_F(KernelTest, LayoutOps) {
  at::Tensor x = torch::randn({2, 3, 4});
  EXPECT_TRUE(at::equal(runKernel1("reshape", {x}, x.reshape({6, 4})),
                        x.reshape({6, 4})));
  at::Tensor permuted = x.permute({2, 0, 1}).contiguous();
  EXPECT_TRUE(
      at::equal(runKernel1("transpose", {x}, permuted,
                           {{"permutation", std::vector<int64_t>{2, 0, 1}}}),
                permuted));
  at::Tensor row = torch::randn({4});
  EXPECT_TRUE(at::equal(runKernel1("broadcast", {row}, x),
                        row.expand({2, 3, 4}).contiguous()));
  at::Tensor other = torch::randn({2, 5, 4});
  at::Tensor joined = at::cat({x, other}, 1);
  EXPECT_TRUE(at::equal(
      runKernel1("concat", {x, other}, joined, {{"dim", int64_t(1)}}), joined));
  auto pieces = runKernel(
      "split", {joined}, {x, torch::empty({2, 2, 4}), torch::empty({2, 3, 4})},
      {{"dim", int64_t(1)}, {"sizes", std::vector<int64_t>{3, 2, 3}}});
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_TRUE(at::equal(pieces[0], x));
  EXPECT_TRUE(at::equal(pieces[1], other.slice(1, 0, 2)));
  EXPECT_TRUE(at::equal(pieces[2], other.slice(1, 2, 5)));

  at::Tensor iota = runKernel1("iota", {}, torch::empty({3, 4}, at::kLong),
                               {{"dim", int64_t(1)}});
  EXPECT_TRUE(at::equal(iota, torch::arange(4).expand({3, 4})));
  at::Tensor floats = torch::tensor({-1.7, 2.5, 3.9});
  EXPECT_TRUE(
      at::equal(runKernel1("convert", {floats}, torch::empty({3}, at::kLong)),
                torch::tensor({-1, 2, 3}, at::kLong)));
}

/// docs/dropout.md's draw, written out in 64-bit words: element `i` of a
/// mask is kept when this is true.
bool keptByTheFormula(uint64_t seed, uint64_t step, uint64_t stream, uint64_t i,
                      double p) {
  const uint64_t golden = 0x9E3779B97F4A7C15ull;
  auto mix = [](uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  uint64_t key = mix((seed + 1) * golden);
  key = mix(key ^ ((step + 1) * golden));
  key = mix(key ^ ((stream + 1) * golden));
  uint64_t draw = mix(key + (i + 1) * golden) >> 11;
  return draw >= static_cast<uint64_t>(std::floor(p * 9007199254740992.0));
}

TEST_F(KernelTest, DropoutMaskIsTheFormulasDraw) {
  auto draw = [](std::vector<int64_t> shape, double p, int64_t step,
                 int64_t stream, int64_t seed) {
    return runKernel1("dropout_mask", {torch::tensor(step, at::kLong)},
                      torch::empty(shape, at::kBool),
                      {{"p", p}, {"stream", stream}, {"seed", seed}});
  };
  at::Tensor small = draw({3, 5, 7}, 0.3, 9, 2, 5);
  at::Tensor expected = torch::empty({3 * 5 * 7}, at::kBool);
  for (int64_t i = 0; i < expected.numel(); ++i)
    expected[i] = keptByTheFormula(5, 9, 2, i, 0.3);
  EXPECT_TRUE(at::equal(small, expected.view({3, 5, 7})));

  // Past the kernel's first block of 2^20 elements, and the fraction kept.
  int64_t count = (1 << 20) + 1000;
  at::Tensor large = draw({count}, 0.3, 1, 0, 0);
  for (int64_t i :
       {int64_t(0), int64_t((1 << 20) - 1), int64_t(1 << 20), count - 1})
    EXPECT_EQ(large[i].item<bool>(), keptByTheFormula(0, 1, 0, i, 0.3)) << i;
  double kept = large.to(at::kDouble).mean().item<double>();
  EXPECT_NEAR(kept, 0.7, 0.003);

  // Another step, stream or seed is another draw; p = 0 keeps everything.
  at::Tensor base = draw({4096}, 0.5, 3, 1, 0);
  EXPECT_FALSE(at::equal(base, draw({4096}, 0.5, 4, 1, 0)));
  EXPECT_FALSE(at::equal(base, draw({4096}, 0.5, 3, 2, 0)));
  EXPECT_FALSE(at::equal(base, draw({4096}, 0.5, 3, 1, 1)));
  EXPECT_TRUE(at::equal(base, draw({4096}, 0.5, 3, 1, 0)));
  EXPECT_TRUE(draw({64}, 0.0, 3, 1, 0).all().item<bool>());
}

/// ds.uniform's element i: the same word, its top m bits times 2^-m.
double uniformByTheFormula(uint64_t seed, uint64_t step, uint64_t stream,
                           uint64_t i, int bits) {
  auto mix = [](uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  const uint64_t golden = 0x9E3779B97F4A7C15ull;
  uint64_t key = mix((seed + 1) * golden);
  key = mix(key ^ ((step + 1) * golden));
  key = mix(key ^ ((stream + 1) * golden));
  return std::ldexp(
      static_cast<double>(mix(key + (i + 1) * golden) >> (64 - bits)), -bits);
}

TEST_F(KernelTest, UniformIsTheFormulasDraw) {
  auto draw = [](std::vector<int64_t> shape, at::ScalarType type, int64_t step,
                 int64_t stream, int64_t seed) {
    return runKernel1("uniform", {torch::tensor(step, at::kLong)},
                      torch::empty(shape, type),
                      {{"stream", stream}, {"seed", seed}});
  };
  // Every type's draw, element by element: the values are exact in it.
  for (auto [type, bits] : {std::pair{at::kDouble, 53},
                            {at::kFloat, 24},
                            {at::kHalf, 11},
                            {at::kBFloat16, 8}}) {
    at::Tensor small = draw({3, 5, 7}, type, 9, 2, 5).to(at::kDouble).view(-1);
    for (int64_t i = 0; i < small.numel(); ++i)
      EXPECT_EQ(small[i].item<double>(), uniformByTheFormula(5, 9, 2, i, bits))
          << c10::toString(type) << " " << i;
  }

  // Past the first block of 2^20 elements; in [0, 1) with mean 1/2.
  int64_t count = (1 << 20) + 1000;
  at::Tensor large = draw({count}, at::kFloat, 1, 0, 0);
  for (int64_t i :
       {int64_t(0), int64_t((1 << 20) - 1), int64_t(1 << 20), count - 1})
    EXPECT_EQ(large[i].item<float>(), uniformByTheFormula(0, 1, 0, i, 24)) << i;
  EXPECT_TRUE(large.ge(0).all().item<bool>());
  EXPECT_TRUE(large.lt(1).all().item<bool>());
  EXPECT_NEAR(large.to(at::kDouble).mean().item<double>(), 0.5, 0.002);

  // Another step or stream is another draw; the same key the same one.
  at::Tensor base = draw({4096}, at::kFloat, 3, 1, 0);
  EXPECT_FALSE(at::equal(base, draw({4096}, at::kFloat, 4, 1, 0)));
  EXPECT_FALSE(at::equal(base, draw({4096}, at::kFloat, 3, 2, 0)));
  EXPECT_TRUE(at::equal(base, draw({4096}, at::kFloat, 3, 1, 0)));
}

//===----------------------------------------------------------------------===//
// Optimizers: whole plans with persistent state, updated in place
//===----------------------------------------------------------------------===//

/// A temporary safetensors file holding `tensors`.
class TempWeights {
public:
  explicit TempWeights(
      const std::vector<std::pair<std::string, at::Tensor>> &tensors) {
    llvm::sys::fs::createTemporaryFile("kernel-test", "safetensors", path);
    SafeTensorsWriter writer;
    for (const auto &[name, tensor] : tensors) {
      at::Tensor t = tensor.detach().contiguous();
      writer.add(name, testDType(t.scalar_type()), t.sizes().vec(), bytesOf(t));
    }
    EXPECT_EQ(errorMessage(writer.write(path)), "");
  }
  ~TempWeights() { llvm::sys::fs::remove(path); }
  SafeTensorsFile open() const {
    auto file = SafeTensorsFile::open(path);
    EXPECT_TRUE(static_cast<bool>(file));
    return std::move(*file);
  }

private:
  llvm::SmallString<128> path;
};

/// Adds tensor `desc` and returns its index.
uint32_t add(Plan &plan, TensorDesc desc) {
  plan.tensors.push_back(std::move(desc));
  return plan.tensors.size() - 1;
}

/// An optimizer plan: `param` (Parameter "w"), `grad` (Input "g"), the
/// state tensors, and an in-place `add` of 1 to the State "step" counter
/// before the update.
struct OptimizerPlan {
  Plan plan;
  uint32_t param, grad, step;
  std::vector<uint32_t> state;
};

OptimizerPlan makeOptimizerPlan(const at::Tensor &param,
                                const std::vector<std::string> &stateNames) {
  OptimizerPlan p;
  p.param = add(p.plan, descOf(param, "w", Storage::Parameter));
  p.grad = add(p.plan, descOf(param, "g", Storage::Input));
  for (const std::string &name : stateNames)
    p.state.push_back(add(p.plan, descOf(param, name, Storage::State)));
  TensorDesc step;
  step.name = "step";
  step.dtype = DType::I64;
  step.storage = Storage::State;
  p.step = add(p.plan, step);
  TensorDesc one = step;
  one.name = "one";
  one.storage = Storage::Constant;
  one.offset = 0;
  int64_t value = 1;
  p.plan.constants.assign(reinterpret_cast<uint8_t *>(&value),
                          reinterpret_cast<uint8_t *>(&value) + 8);
  uint32_t oneIndex = add(p.plan, one);
  Instruction increment;
  increment.kernel = "add";
  increment.operands = {p.step, oneIndex};
  increment.results = {p.step};
  p.plan.instructions.push_back(increment);
  addDummyLoss(p.plan);
  return p;
}

at::Tensor readTensor(const Executor &executor, uint32_t index) {
  const TensorDesc &desc = executor.plan().tensors[index];
  at::Tensor out = at::empty(desc.shape, atenTypeOf(desc.dtype));
  auto data = executor.tensorData(index);
  std::memcpy(out.data_ptr(), data.data(), data.size());
  return out;
}

TEST_F(KernelTest, AdamWMatchesTorchOptimOverThreeSteps) {
  at::Tensor init = torch::randn({5, 3});
  double lr = 1e-2, beta1 = 0.9, beta2 = 0.95, eps = 1e-8, wd = 0.1;

  OptimizerPlan p = makeOptimizerPlan(init, {"exp_avg.w", "exp_avg_sq.w"});
  Instruction update;
  update.kernel = "adamw_update";
  update.operands = {p.param, p.grad, p.state[0], p.state[1], p.step};
  update.results = {p.param, p.state[0], p.state[1]};
  update.attrs = {{"lr", lr},
                  {"beta1", beta1},
                  {"beta2", beta2},
                  {"eps", eps},
                  {"weight_decay", wd}};
  p.plan.instructions.push_back(update);
  auto executor = Executor::create(p.plan);
  ASSERT_TRUE(static_cast<bool>(executor))
      << llvm::toString(executor.takeError());
  TempWeights weights({{"w", init}});
  ASSERT_EQ(errorMessage((*executor)->loadWeights(weights.open())), "");

  at::Tensor reference = init.clone().requires_grad_();
  torch::optim::AdamW optimizer({reference}, torch::optim::AdamWOptions(lr)
                                                 .betas({beta1, beta2})
                                                 .eps(eps)
                                                 .weight_decay(wd));
  for (int step = 0; step < 3; ++step) {
    at::Tensor grad = torch::randn({5, 3});
    ASSERT_EQ(errorMessage((*executor)->setInput("g", bytesOf(grad))), "");
    ASSERT_EQ(errorMessage((*executor)->step()), "");
    reference.mutable_grad() = grad.clone();
    optimizer.step();
    // The kernel repeats torch.optim's statements: bit-identical.
    EXPECT_TRUE(close(readTensor(**executor, p.param), reference.detach(),
                      /*tolerance=*/0.0))
        << "step " << step + 1;
  }
  EXPECT_EQ(readTensor(**executor, p.step).item<int64_t>(), 3);
}

TEST_F(KernelTest, SgdMomentumMatchesTorchOptimOverThreeSteps) {
  at::Tensor init = torch::randn({4, 6});
  double lr = 0.1, momentum = 0.9, wd = 0.01;

  OptimizerPlan p = makeOptimizerPlan(init, {"momentum_buffer.w"});
  Instruction update;
  update.kernel = "sgd_update";
  update.operands = {p.param, p.grad, p.state[0]};
  update.results = {p.param, p.state[0]};
  update.attrs = {{"lr", lr}, {"momentum", momentum}, {"weight_decay", wd}};
  p.plan.instructions.push_back(update);
  auto executor = Executor::create(p.plan);
  ASSERT_TRUE(static_cast<bool>(executor))
      << llvm::toString(executor.takeError());
  TempWeights weights({{"w", init}});
  ASSERT_EQ(errorMessage((*executor)->loadWeights(weights.open())), "");

  at::Tensor reference = init.clone().requires_grad_();
  torch::optim::SGD optimizer(
      {reference},
      torch::optim::SGDOptions(lr).momentum(momentum).weight_decay(wd));
  for (int step = 0; step < 3; ++step) {
    at::Tensor grad = torch::randn({4, 6});
    ASSERT_EQ(errorMessage((*executor)->setInput("g", bytesOf(grad))), "");
    ASSERT_EQ(errorMessage((*executor)->step()), "");
    reference.mutable_grad() = grad.clone();
    optimizer.step();
    // The kernel repeats torch.optim's statements: bit-identical.
    EXPECT_TRUE(close(readTensor(**executor, p.param), reference.detach(),
                      /*tolerance=*/0.0))
        << "step " << step + 1;
  }
}

} // namespace

// The executor's host copies of one-element tensors (what AdamW's step
// counter costs on a GPU): read once, forgotten when an instruction writes
// the bytes, kept when it writes others.
TEST(HostScalarsTest, ReadOnceUntilTheBytesAreWritten) {
  using dsc::rt::Storage;
  dsc::rt::Plan plan;
  auto tensor = [&](Storage storage, uint64_t offset, int64_t numel) {
    dsc::rt::TensorDesc desc;
    desc.dtype = dsc::rt::DType::I64;
    desc.shape = {numel};
    desc.storage = storage;
    desc.offset = offset;
    plan.tensors.push_back(desc);
  };
  tensor(Storage::State, 0, 1);   // 0: the step counter
  tensor(Storage::State, 0, 1);   // 1: other state
  tensor(Storage::Arena, 64, 1);  // 2: a scalar in the arena
  tensor(Storage::Arena, 0, 16);  // 3: over tensor 2's bytes
  tensor(Storage::Arena, 128, 4); // 4: beside them
  dsc::rt::kernels::HostScalars scalars(plan);
  at::Tensor step = at::full({1}, 7, at::kLong);
  at::Tensor arena = at::full({1}, 3, at::kLong);
  EXPECT_EQ(scalars.readInt(0, step), 7);
  EXPECT_EQ(scalars.readInt(2, arena), 3);
  step.fill_(8);
  arena.fill_(4);
  EXPECT_EQ(scalars.readInt(0, step), 7) << "read again";
  scalars.written(1);
  scalars.written(4);
  EXPECT_EQ(scalars.readInt(0, step), 7) << "other bytes were written";
  EXPECT_EQ(scalars.readInt(2, arena), 3);
  scalars.written(0);
  EXPECT_EQ(scalars.readInt(0, step), 8);
  scalars.written(3);
  EXPECT_EQ(scalars.readInt(2, arena), 4) << "overlapping bytes were written";
  step.fill_(9);
  scalars.clear();
  EXPECT_EQ(scalars.readInt(0, step), 9);
}
