//===- DSElementwiseOps.td - elementwise ds ops ------------*- tablegen -*-===//

#ifndef DSC_DIALECT_DS_IR_DSELEMENTWISEOPS_TD
#define DSC_DIALECT_DS_IR_DSELEMENTWISEOPS_TD

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

class DS_UnaryOp<string mnemonic, Type type, string formula,
                 list<Trait> traits = []>
    : DS_Op<mnemonic, !listconcat([
        Pure, Elementwise, SameOperandsAndResultType,
        DeclareOpInterfaceMethods<DS_VJPOpInterface>,
        DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>], traits)> {
  let summary = "elementwise " # formula;
  let description = !strconcat("Computes `", formula, [{` for every element.
    The result has the operand's type.

    ```mlir
    %y = ds.}], mnemonic, [{ %x : tensor<2x8xf32>
    ```
  }]);
  let arguments = (ins type:$input);
  let results = (outs type:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def DS_NegOp : DS_UnaryOp<"neg", DS_NumericTensor, "-x">;
def DS_ExpOp : DS_UnaryOp<"exp", DS_FloatTensor, "exp(x)">;
def DS_LogOp : DS_UnaryOp<"log", DS_FloatTensor, "log(x)">;
def DS_Log2Op : DS_UnaryOp<"log2", DS_FloatTensor, "log2(x)">;
def DS_Log10Op : DS_UnaryOp<"log10", DS_FloatTensor, "log10(x)">;
def DS_Log1pOp : DS_UnaryOp<"log1p", DS_FloatTensor, "log(1 + x)">;
def DS_Expm1Op : DS_UnaryOp<"expm1", DS_FloatTensor, "exp(x) - 1">;
def DS_SqrtOp : DS_UnaryOp<"sqrt", DS_FloatTensor, "sqrt(x)">;
def DS_RsqrtOp : DS_UnaryOp<"rsqrt", DS_FloatTensor, "1 / sqrt(x)">;
def DS_TanhOp : DS_UnaryOp<"tanh", DS_FloatTensor, "tanh(x)">;
def DS_ErfOp : DS_UnaryOp<"erf", DS_FloatTensor,
                          "2 / sqrt(pi) * integral of exp(-t^2) from 0 to x">;
def DS_SinOp : DS_UnaryOp<"sin", DS_FloatTensor, "sin(x)">;
def DS_CosOp : DS_UnaryOp<"cos", DS_FloatTensor, "cos(x)">;
def DS_TanOp : DS_UnaryOp<"tan", DS_FloatTensor, "tan(x)">;
def DS_AsinOp : DS_UnaryOp<"asin", DS_FloatTensor, "asin(x)">;
def DS_AcosOp : DS_UnaryOp<"acos", DS_FloatTensor, "acos(x)">;
def DS_AtanOp : DS_UnaryOp<"atan", DS_FloatTensor, "atan(x)">;
def DS_SinhOp : DS_UnaryOp<"sinh", DS_FloatTensor, "sinh(x)">;
def DS_CoshOp : DS_UnaryOp<"cosh", DS_FloatTensor, "cosh(x)">;
def DS_AsinhOp : DS_UnaryOp<"asinh", DS_FloatTensor, "asinh(x)">;
def DS_AcoshOp : DS_UnaryOp<"acosh", DS_FloatTensor, "acosh(x)">;
def DS_AtanhOp : DS_UnaryOp<"atanh", DS_FloatTensor, "atanh(x)">;
def DS_Exp2Op : DS_UnaryOp<"exp2", DS_FloatTensor, "2^x">;
def DS_ErfinvOp : DS_UnaryOp<"erfinv", DS_FloatTensor, "the inverse of erf">;
def DS_ReluOp : DS_UnaryOp<"relu", DS_FloatTensor, "max(x, 0)">;
def DS_SiluOp : DS_UnaryOp<"silu", DS_FloatTensor, "x * sigmoid(x)">;
def DS_SigmoidOp : DS_UnaryOp<"sigmoid", DS_FloatTensor, "1 / (1 + exp(-x))">;

def DS_GeluOp : DS_Op<"gelu", [Pure, Elementwise, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "elementwise Gaussian error linear unit";
  let description = [{
    `approximate = none` computes `x * 0.5 * (1 + erf(x / sqrt(2)))`;
    `approximate = tanh` computes
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, as
    `torch.nn.functional.gelu` does for the same flag.

    ```mlir
    %y = ds.gelu %x approximate = tanh : tensor<2x8xf32>
    ```
  }];
  let arguments = (ins DS_FloatTensor:$input,
                   DS_GeluApproximationAttr:$approximate);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat =
      "$input `approximate` `=` $approximate attr-dict `:` type($result)";
}

def DS_RoundOp : DS_Op<"round", [Pure, Elementwise, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "elementwise rounding to an integral value";
  let description = [{
    Rounds every element to an integral value of the same float type:
    `floor`, `ceil`, `trunc` (toward zero) or `even` (to the nearest, ties
    to even), as torch.floor, torch.ceil, torch.trunc and torch.round. The
    gradient is zero, as PyTorch's.

    ```mlir
    %y = ds.round %x mode = floor : tensor<2x8xf32>
    ```
  }];
  let arguments = (ins DS_FloatTensor:$input, DS_RoundingModeAttr:$mode);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = "$input `mode` `=` $mode attr-dict `:` type($result)";
}

def DS_PowOp : DS_Op<"pow", [Pure, Elementwise, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "elementwise power by a scalar exponent";
  let description = [{
    Raises every element to the constant `exponent`.

    ```mlir
    %y = ds.pow %x, 2.0 : tensor<2x8xf32>
    ```
  }];
  let arguments = (ins DS_FloatTensor:$input, F64Attr:$exponent);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = "$input `,` $exponent attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Binary with broadcasting
//===----------------------------------------------------------------------===//

class DS_BinaryOp<string mnemonic, Type type, string formula,
                  list<Trait> traits = []>
    : DS_Op<mnemonic, !listconcat([Pure, InferTypeOpAdaptor,
        DeclareOpInterfaceMethods<DS_VJPOpInterface>,
        DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>], traits)> {
  let summary = "elementwise " # formula # " with broadcasting";
  let description = !strconcat("Computes `", formula, [{` elementwise after
    broadcasting the operands to a common shape by the dialect's NumPy rule.

    ```mlir
    %z = ds.}], mnemonic, [{ %x, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
    ```

    **Constraints:**
    - the operands have the same element type;
    - the operand shapes are broadcast-compatible.
  }]);
  let arguments = (ins type:$lhs, type:$rhs);
  let results = (outs type:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def DS_AddOp : DS_BinaryOp<"add", DS_NumericTensor, "lhs + rhs", [Commutative]>;
def DS_SubOp : DS_BinaryOp<"sub", DS_NumericTensor, "lhs - rhs">;
def DS_MulOp : DS_BinaryOp<"mul", DS_NumericTensor, "lhs * rhs", [Commutative]>;
def DS_DivOp : DS_BinaryOp<"div", DS_NumericTensor, "lhs / rhs">;
def DS_MaximumOp
    : DS_BinaryOp<"maximum", DS_NumericTensor, "max(lhs, rhs)", [Commutative]>;
def DS_Atan2Op : DS_BinaryOp<"atan2", DS_FloatTensor,
                            "the angle of the point (rhs, lhs)">;
def DS_PowerOp : DS_BinaryOp<"power", DS_FloatTensor,
                             "lhs to the power rhs (ds.pow: a constant one)">;
def DS_LogAddExpOp : DS_BinaryOp<"logaddexp", DS_FloatTensor,
                                 "log(exp(lhs) + exp(rhs))", [Commutative]>;

def DS_CompareOp : DS_Op<"compare", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "elementwise comparison with broadcasting";
  let description = [{
    Compares the broadcast operands elementwise; the result is `i1`.

    ```mlir
    %m = ds.compare eq, %x, %y : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x4xi1>
    ```

    **Constraints:**
    - the operands have the same element type;
    - the operand shapes are broadcast-compatible.
  }];
  let arguments = (ins DS_CompareDirectionAttr:$direction,
                   DS_NumericTensor:$lhs, DS_NumericTensor:$rhs);
  let results = (outs DS_BoolTensor:$result);
  let assemblyFormat = "$direction `,` $lhs `,` $rhs attr-dict `:` "
                       "functional-type(operands, results)";
}

def DS_SelectOp : DS_Op<"select", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "elementwise choice with broadcasting";
  let description = [{
    Takes `on_true` where `condition` holds and `on_false` elsewhere, after
    broadcasting all three operands to a common shape.

    ```mlir
    %y = ds.select %m, %x, %ninf
        : (tensor<1x1x8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
    ```

    **Constraints:**
    - `on_true` and `on_false` have the same element type;
    - the three shapes are broadcast-compatible.
  }];
  let arguments = (ins DS_BoolTensor:$condition, DS_Tensor:$on_true,
                   DS_Tensor:$on_false);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$condition `,` $on_true `,` $on_false attr-dict `:` "
                       "functional-type(operands, results)";
}

#endif // DSC_DIALECT_DS_IR_DSELEMENTWISEOPS_TD
