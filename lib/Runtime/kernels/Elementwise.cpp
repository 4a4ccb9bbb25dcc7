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

/// A binary op on floats (atan2, power, logaddexp).
llvm::Error checkFloatBinary(const CheckArgs &args) {
  if (llvm::Error err = expectFloat(*args.operands[0], "lhs"))
    return err;
  return checkBinary(args);
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

/// ATen's `op_out(out, self)` and `op_out(out, self, other)` as kernels.
using UnaryOut = at::Tensor &(*)(at::Tensor &, const at::Tensor &);
using BinaryOut = at::Tensor &(*)(at::Tensor &, const at::Tensor &,
                                  const at::Tensor &);
template <UnaryOut Fn> void runUnaryOut(const KernelArgs &args) {
  Fn(args.result(), args.operand(0));
}
template <BinaryOut Fn> void runBinaryOut(const KernelArgs &args) {
  Fn(args.result(), args.operand(0), args.operand(1));
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
  table["neg"] = unary(runUnaryOut<at::neg_out>, checkNumericUnary);
  table["exp"] = unary(runUnaryOut<at::exp_out>);
  table["log"] = unary(runUnaryOut<at::log_out>);
  table["log2"] = unary(runUnaryOut<at::log2_out>);
  table["log10"] = unary(runUnaryOut<at::log10_out>);
  table["log1p"] = unary(runUnaryOut<at::log1p_out>);
  table["expm1"] = unary(runUnaryOut<at::expm1_out>);
  table["erf"] = unary(runUnaryOut<at::erf_out>);
  table["sin"] = unary(runUnaryOut<at::sin_out>);
  table["cos"] = unary(runUnaryOut<at::cos_out>);
  table["sqrt"] = unary(runUnaryOut<at::sqrt_out>);
  table["rsqrt"] = unary(runUnaryOut<at::rsqrt_out>);
  table["tanh"] = unary(runUnaryOut<at::tanh_out>);
  // ATen's relu is clamp_min(x, 0); its relu_out has no kernel of its own
  // (computes, then copies: a temporary as large as the result).
  table["relu"] = unary([](const KernelArgs &a) {
    at::clamp_min_out(a.result(), a.operand(0), 0);
  });
  table["silu"] = unary(runUnaryOut<at::silu_out>);
  table["sigmoid"] = unary(runUnaryOut<at::sigmoid_out>);
  table["tan"] = unary(runUnaryOut<at::tan_out>);
  table["asin"] = unary(runUnaryOut<at::asin_out>);
  table["acos"] = unary(runUnaryOut<at::acos_out>);
  table["atan"] = unary(runUnaryOut<at::atan_out>);
  table["sinh"] = unary(runUnaryOut<at::sinh_out>);
  table["cosh"] = unary(runUnaryOut<at::cosh_out>);
  table["asinh"] = unary(runUnaryOut<at::asinh_out>);
  table["acosh"] = unary(runUnaryOut<at::acosh_out>);
  table["atanh"] = unary(runUnaryOut<at::atanh_out>);
  table["exp2"] = unary(runUnaryOut<at::exp2_out>);
  table["erfinv"] = unary(runUnaryOut<at::erfinv_out>);
  table["gelu"] = unary(runGelu, checkGelu);
  table["pow"] = unary(runPow, checkPow);
  table["round"] = unary(runRound, checkRound);

  table["add"] = binary([](const KernelArgs &a) {
    at::add_out(a.result(), a.operand(0), a.operand(1));
  });
  table["sub"] = binary([](const KernelArgs &a) {
    at::sub_out(a.result(), a.operand(0), a.operand(1));
  });
  table["mul"] = binary(runBinaryOut<at::mul_out>);
  table["div"] = binary(runDiv);
  table["maximum"] = binary(runBinaryOut<at::maximum_out>);
  table["atan2"] = binary(runBinaryOut<at::atan2_out>, checkFloatBinary);
  table["power"] = binary(runBinaryOut<at::pow_out>, checkFloatBinary);
  table["logaddexp"] =
      binary(runBinaryOut<at::logaddexp_out>, checkFloatBinary);
  table["compare"] = binary(runCompare, checkCompare);
  table["select"] = binary(
      [](const KernelArgs &a) {
        at::where_out(a.result(), a.operand(0), a.operand(1), a.operand(2));
      },
      checkSelect, /*operands=*/3);
}
