//===- Elementwise.cpp - unary, binary, compare and select kernels --------===//
//
// The ops of DSElementwiseOps.td. ATen's `_out` functions broadcast by the
// NumPy rule and compute in the operands' dtype, as the ops require.
//
//===----------------------------------------------------------------------===//

#include "ATenKernel.h"

using namespace dsc::rt;
using namespace dsc::rt::kernels;

namespace {

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

/// A unary op on floats (numeric with `numeric`): the result has the
/// operand's type.
llvm::Error checkUnary(const CheckArgs &args, bool numeric) {
  const TensorDesc &input = *args.operands[0];
  if (llvm::Error err =
          numeric ? expectNumeric(input, "input") : expectFloat(input, "input"))
    return err;
  return expectSameType(*args.results[0], "the result", input, "input");
}

llvm::Error checkFloatUnary(const CheckArgs &args) {
  return checkUnary(args, /*numeric=*/false);
}

llvm::Error checkNumericUnary(const CheckArgs &args) {
  return checkUnary(args, /*numeric=*/true);
}

llvm::Error checkGelu(const CheckArgs &args) {
  if (auto mode = readString(args.inst, "approximate", {"none", "tanh"}); !mode)
    return mode.takeError();
  return checkFloatUnary(args);
}

llvm::Error checkRound(const CheckArgs &args) {
  if (auto mode =
          readString(args.inst, "mode", {"floor", "ceil", "trunc", "even"});
      !mode)
    return mode.takeError();
  return checkFloatUnary(args);
}

llvm::Error checkPow(const CheckArgs &args) {
  if (auto exponent = readDouble(args.inst, "exponent"); !exponent)
    return exponent.takeError();
  return checkFloatUnary(args);
}

/// Checks that `lhs` and `rhs` are numeric of one dtype and returns their
/// broadcast shape.
llvm::Expected<std::vector<int64_t>>
checkBinaryOperands(const CheckArgs &args) {
  const TensorDesc &lhs = *args.operands[0];
  const TensorDesc &rhs = *args.operands[1];
  if (llvm::Error err = expectNumeric(lhs, "lhs"))
    return std::move(err);
  if (llvm::Error err = expectDType(rhs, lhs.dtype, "rhs"))
    return std::move(err);
  return broadcastShapes({lhs.shape, rhs.shape});
}

llvm::Error checkBinary(const CheckArgs &args) {
  auto shape = checkBinaryOperands(args);
  if (!shape)
    return shape.takeError();
  return expectType(*args.results[0], args.operands[0]->dtype, *shape,
                    "the result");
}

llvm::Error checkCompare(const CheckArgs &args) {
  if (auto direction = readString(args.inst, "direction",
                                  {"eq", "ne", "lt", "le", "gt", "ge"});
      !direction)
    return direction.takeError();
  auto shape = checkBinaryOperands(args);
  if (!shape)
    return shape.takeError();
  return expectType(*args.results[0], DType::Bool, *shape, "the result");
}

llvm::Error checkSelect(const CheckArgs &args) {
  const TensorDesc &condition = *args.operands[0];
  const TensorDesc &onTrue = *args.operands[1];
  const TensorDesc &onFalse = *args.operands[2];
  if (llvm::Error err = expectBool(condition, "condition"))
    return err;
  if (llvm::Error err = expectDType(onFalse, onTrue.dtype, "on_false"))
    return err;
  auto shape = broadcastShapes({condition.shape, onTrue.shape, onFalse.shape});
  if (!shape)
    return shape.takeError();
  return expectType(*args.results[0], onTrue.dtype, *shape, "the result");
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

void runGelu(const KernelArgs &args) {
  std::string mode = args.inst.getString("approximate", "none");
  at::gelu_out(args.result(), args.operand(0), mode);
}

void runRound(const KernelArgs &args) {
  std::string mode = args.inst.getString("mode", "");
  if (mode == "floor")
    at::floor_out(args.result(), args.operand(0));
  else if (mode == "ceil")
    at::ceil_out(args.result(), args.operand(0));
  else if (mode == "trunc")
    at::trunc_out(args.result(), args.operand(0));
  else // "even": torch.round's half to even
    at::round_out(args.result(), args.operand(0));
}

void runPow(const KernelArgs &args) {
  at::pow_out(args.result(), args.operand(0),
              at::Scalar(args.inst.getDouble("exponent")));
}

void runDiv(const KernelArgs &args) {
  // Integer division truncates toward zero (arith.divsi); floats divide.
  if (at::isIntegralType(args.operand(0).scalar_type(), /*includeBool=*/false))
    at::div_out(args.result(), args.operand(0), args.operand(1), "trunc");
  else
    at::div_out(args.result(), args.operand(0), args.operand(1));
}

void runCompare(const KernelArgs &args) {
  std::string direction = args.inst.getString("direction");
  at::Tensor &out = args.result();
  const at::Tensor &lhs = args.operand(0), &rhs = args.operand(1);
  if (direction == "eq")
    at::eq_out(out, lhs, rhs);
  else if (direction == "ne")
    at::ne_out(out, lhs, rhs);
  else if (direction == "lt")
    at::lt_out(out, lhs, rhs);
  else if (direction == "le")
    at::le_out(out, lhs, rhs);
  else if (direction == "gt")
    at::gt_out(out, lhs, rhs);
  else
    at::ge_out(out, lhs, rhs);
}

KernelInfo unary(KernelFn run, CheckFn check = checkFloatUnary) {
  KernelInfo info;
  info.run = run;
  info.check = check;
  info.minOperands = info.maxOperands = 1;
  info.alias = Alias::Elementwise;
  return info;
}

KernelInfo binary(KernelFn run, CheckFn check = checkBinary,
                  unsigned operands = 2) {
  KernelInfo info = unary(run, check);
  info.minOperands = info.maxOperands = operands;
  return info;
}

} // namespace

void dsc::rt::kernels::registerElementwiseKernels(
    llvm::StringMap<KernelInfo> &table) {
  table["neg"] =
      unary([](const KernelArgs &a) { at::neg_out(a.result(), a.operand(0)); },
            checkNumericUnary);
  table["exp"] =
      unary([](const KernelArgs &a) { at::exp_out(a.result(), a.operand(0)); });
  table["log"] =
      unary([](const KernelArgs &a) { at::log_out(a.result(), a.operand(0)); });
  table["log2"] = unary(
      [](const KernelArgs &a) { at::log2_out(a.result(), a.operand(0)); });
  table["log10"] = unary(
      [](const KernelArgs &a) { at::log10_out(a.result(), a.operand(0)); });
  table["log1p"] = unary(
      [](const KernelArgs &a) { at::log1p_out(a.result(), a.operand(0)); });
  table["expm1"] = unary(
      [](const KernelArgs &a) { at::expm1_out(a.result(), a.operand(0)); });
  table["erf"] =
      unary([](const KernelArgs &a) { at::erf_out(a.result(), a.operand(0)); });
  table["sin"] =
      unary([](const KernelArgs &a) { at::sin_out(a.result(), a.operand(0)); });
  table["cos"] =
      unary([](const KernelArgs &a) { at::cos_out(a.result(), a.operand(0)); });
  table["sqrt"] = unary(
      [](const KernelArgs &a) { at::sqrt_out(a.result(), a.operand(0)); });
  table["rsqrt"] = unary(
      [](const KernelArgs &a) { at::rsqrt_out(a.result(), a.operand(0)); });
  table["tanh"] = unary(
      [](const KernelArgs &a) { at::tanh_out(a.result(), a.operand(0)); });
  // ATen's relu is clamp_min(x, 0); its relu_out has no kernel of its own
  // (computes, then copies: a temporary as large as the result).
  table["relu"] = unary([](const KernelArgs &a) {
    at::clamp_min_out(a.result(), a.operand(0), 0);
  });
  table["silu"] = unary(
      [](const KernelArgs &a) { at::silu_out(a.result(), a.operand(0)); });
  table["sigmoid"] = unary(
      [](const KernelArgs &a) { at::sigmoid_out(a.result(), a.operand(0)); });
  table["gelu"] = unary(runGelu, checkGelu);
  table["pow"] = unary(runPow, checkPow);
  table["round"] = unary(runRound, checkRound);

  table["add"] = binary([](const KernelArgs &a) {
    at::add_out(a.result(), a.operand(0), a.operand(1));
  });
  table["sub"] = binary([](const KernelArgs &a) {
    at::sub_out(a.result(), a.operand(0), a.operand(1));
  });
  table["mul"] = binary([](const KernelArgs &a) {
    at::mul_out(a.result(), a.operand(0), a.operand(1));
  });
  table["div"] = binary(runDiv);
  table["maximum"] = binary([](const KernelArgs &a) {
    at::maximum_out(a.result(), a.operand(0), a.operand(1));
  });
  table["compare"] = binary(runCompare, checkCompare);
  table["select"] = binary(
      [](const KernelArgs &a) {
        at::where_out(a.result(), a.operand(0), a.operand(1), a.operand(2));
      },
      checkSelect, /*operands=*/3);
}
