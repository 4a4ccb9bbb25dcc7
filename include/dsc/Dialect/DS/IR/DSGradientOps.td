//===- DSGradientOps.td - backward and optimizer ops -------*- tablegen -*-===//
//
// Backward ops where a vector-Jacobian product is not a short composition of
// forward ops (or where a fused kernel pays), and the optimizer updates.
// `ds-autodiff` creates them; their operands are what the forward saved.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_DSGRADIENTOPS_TD
#define DSC_DIALECT_DS_IR_DSGRADIENTOPS_TD

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

def DS_AttentionGradOp : DS_Op<"attention_grad", [Pure,
    AttrSizedOperandSegments, AttrSizedResultSegments,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface,
                              ["maskPadding"]>],
    ["getFlops", "usesMatrixUnits"]> {
  let summary = "gradients of `ds.attention`";
  let description = [{
    Given the forward operands, the forward `output` and its gradient
    `grad_output`, returns the gradients of `query`, `key` and `value`, each
    of its operand's type. With grouped-query attention the key and value
    gradients sum over the query heads that share a key/value head. `bias`,
    `causal`, `window`, `key_length`, `scale`, `softcap` and `fill` are the
    forward's. With a fourth result, the bias's gradient (the scores'
    gradient summed over the dimensions the bias broadcasts): for a bias a
    trainable parameter reaches (T5's and MPNet's relative position
    tables, DeBERTa's disentangled terms); canonicalization drops it where
    nothing reads it. With `sinks`, their gradient is the last result
    (always: it is an [Hq] sum over rows the kernel has at hand).

    ```mlir
    %dq, %dk, %dv = ds.attention_grad %q, %k, %v, %o, %do causal scale = 0.25
        : (tensor<2x8x16x16xf32>, tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>,
           tensor<2x8x16x16xf32>, tensor<2x8x16x16xf32>)
          -> (tensor<2x8x16x16xf32>, tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>)
    ```

    **Constraints:**
    - the results have the types of `query`, `key` and `value`;
    - `output` and `grad_output` have the type of the forward result;
    - `bias`, `window` and `key_length` satisfy the forward's constraints;
    - `grad_bias` needs `bias` and has its type;
    - `grad_sinks` is there exactly when `sinks` is, with its type.
  }];
  let arguments = (ins DS_FloatTensor:$query, DS_FloatTensor:$key,
                   DS_FloatTensor:$value, DS_FloatTensor:$output,
                   DS_FloatTensor:$grad_output, Optional<DS_FloatTensor>:$bias,
                   Optional<DS_FloatTensor>:$sinks, UnitAttr:$causal, OptionalAttr<I64Attr>:$window,
                   OptionalAttr<I64Attr>:$key_length, F64Attr:$scale,
                   OptionalAttr<F64Attr>:$softcap, OptionalAttr<F64Attr>:$fill);
  let results = (outs DS_FloatTensor:$grad_query, DS_FloatTensor:$grad_key,
                      DS_FloatTensor:$grad_value,
                      Optional<DS_FloatTensor>:$grad_bias,
                      Optional<DS_FloatTensor>:$grad_sinks);
  // The types as functional-type prints them; which optional results there
  // are follows from `sinks` and the count (AttentionGradResultTypes).
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $output `,` $grad_output
    (`bias` $bias^)? (`sinks` $sinks^)? (`causal` $causal^)?
    (`window` `=` $window^)? (`key_length` `=` $key_length^)?
    `scale` `=` $scale (`softcap` `=` $softcap^)? (`fill` `=` $fill^)?
    attr-dict `:` `(` type(operands) `)` `->`
    custom<AttentionGradResultTypes>(type($grad_query), type($grad_key),
        type($grad_value), type($grad_bias), type($grad_sinks), ref($sinks))
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def DS_LayerNormGradOp : DS_Op<"layer_norm_grad", [Pure,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "gradients of `ds.layer_norm`";
  let description = [{
    Given the forward `input`, the `weight` (ones when the forward had none)
    and the gradient of the result, returns the gradients of the input, the
    weight and the bias (the last two summed over all leading dimensions).

    ```mlir
    %dx, %dw, %db = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05
        : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>)
          -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>)
    ```

    **Constraints:**
    - `grad_output` and `grad_input` have the input's type; `weight`,
      `grad_weight` and `grad_bias` are [D] for the input's last dimension.
  }];
  let arguments = (ins DS_FloatTensor:$input, DS_FloatTensor:$weight,
                   DS_FloatTensor:$grad_output, F64Attr:$epsilon);
  let results = (outs DS_FloatTensor:$grad_input, DS_FloatTensor:$grad_weight,
                      DS_FloatTensor:$grad_bias);
  let assemblyFormat = [{
    $input `,` $weight `,` $grad_output `epsilon` `=` $epsilon attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DS_RmsNormGradOp : DS_Op<"rms_norm_grad", [Pure,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface,
                              ["accumulatesInFloat32"]>]> {
  let summary = "gradients of `ds.rms_norm`";
  let description = [{
    Given the forward `input`, the `weight` (ones when the forward had none)
    and the gradient of the result, returns the gradients of the input and
    of the weight (summed over all leading dimensions).

    ```mlir
    %dx, %dw = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05
        : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>)
          -> (tensor<2x8x64xf32>, tensor<64xf32>)
    ```

    **Constraints:**
    - `grad_output` and `grad_input` have the input's type; `weight` and
      `grad_weight` are [D] for the input's last dimension, of its element
      type (`grad_weight` may be float32 over a bfloat16 or float16 input:
      its sum unrounded).
  }];
  let arguments = (ins DS_FloatTensor:$input, DS_FloatTensor:$weight,
                   DS_FloatTensor:$grad_output, F64Attr:$epsilon);
  let results = (outs DS_FloatTensor:$grad_input, DS_FloatTensor:$grad_weight);
  let assemblyFormat = [{
    $input `,` $weight `,` $grad_output `epsilon` `=` $epsilon attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class DS_ActivationGradOp<string mnemonic, string forward>
    : DS_Op<mnemonic, [Pure, SameOperandsAndResultType,
                       DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "gradient of `ds." # forward # "`";
  let description = !strconcat("Returns `grad_output * d", forward,
    [{(input)/d input` elementwise, from the forward input.

    ```mlir
    %dx = ds.}], mnemonic, [{ %x, %dy : tensor<2x8x256xf32>
    ```
  }]);
  let arguments = (ins DS_FloatTensor:$input, DS_FloatTensor:$grad_output);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = "$input `,` $grad_output attr-dict `:` type($result)";
}

def DS_SiluGradOp : DS_ActivationGradOp<"silu_grad", "silu">;

def DS_GeluGradOp : DS_Op<"gelu_grad", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "gradient of `ds.gelu`";
  let description = [{
    Returns `grad_output * dgelu(input)/d input` elementwise for the given
    approximation, from the forward input.

    ```mlir
    %dx = ds.gelu_grad %x, %dy approximate = tanh : tensor<2x8x256xf32>
    ```
  }];
  let arguments = (ins DS_FloatTensor:$input, DS_FloatTensor:$grad_output,
                   DS_GeluApproximationAttr:$approximate);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grad_output `approximate` `=` $approximate attr-dict `:`
    type($result)
  }];
}

class DS_SoftmaxGradBase<string mnemonic, string forward, string formula>
    : DS_Op<mnemonic, [Pure, SameOperandsAndResultType,
                       DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "gradient of `ds." # forward # "`";
  let description = !strconcat("From the forward result `y` and its gradient "
    "`dy`, returns `", formula, [{` along `dim`.

    ```mlir
    %dx = ds.}], mnemonic, [{ %y, %dy dim = 3 : tensor<2x4x8x8xf32>
    ```

    **Constraints:**
    - `dim` is in range.
  }]);
  let arguments = (ins DS_FloatTensor:$output, DS_FloatTensor:$grad_output,
                   I64Attr:$dim);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat =
      "$output `,` $grad_output `dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def DS_SoftmaxGradOp
    : DS_SoftmaxGradBase<"softmax_grad", "softmax", "y * (dy - sum(dy * y))">;
def DS_LogSoftmaxGradOp : DS_SoftmaxGradBase<"log_softmax_grad",
    "log_softmax", "dy - exp(y) * sum(dy)">;

def DS_CrossEntropyGradOp : DS_Op<"cross_entropy_grad", [Pure,
    DeclareOpInterfaceMethods<DS_IndexingOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "gradient of `ds.cross_entropy` with respect to the logits";
  let description = [{
    `(softmax(logits) - onehot(label)) * grad_loss / count` for positions
    that count and 0 for ignored ones, where `count` is the number of
    positions whose label is not `ignore_index`; with `sum` (the gradient of
    the sum form) there is no division by `count`.

    ```mlir
    %dl = ds.cross_entropy_grad %logits, %labels, %dloss ignore_index = -100
        : (tensor<16x256xf32>, tensor<16xi64>, tensor<f32>) -> tensor<16x256xf32>
    ```

    **Constraints:**
    - the result has the logits' type; `grad_loss` is 0-d.
  }];
  let arguments = (ins DS_FloatTensor:$logits, DS_IntTensor:$labels,
                   DS_ScalarFloatTensor:$grad_loss, I64Attr:$ignore_index,
                   UnitAttr:$sum);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $grad_loss `ignore_index` `=` $ignore_index
    (`sum` $sum^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DS_EmbeddingGradOp : DS_Op<"embedding_grad", [Pure,
    DeclareOpInterfaceMethods<DS_IndexingOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "gradient of `ds.embedding` with respect to the table";
  let description = [{
    Scatter-adds the rows of `grad_output` [..., D] into a zero table of the
    result's type [V, D] at the rows named by `indices` [...]. Row
    `padding_idx`, if present, stays zero.

    ```mlir
    %dw = ds.embedding_grad %tokens, %dy padding_idx = 0
        : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x64xf32>
    ```

    **Constraints:**
    - the result has rank 2; `grad_output` is `indices`' shape plus [D];
    - `padding_idx`, if present, is a row of the result.
  }];
  let arguments = (ins DS_IntTensor:$indices, DS_FloatTensor:$grad_output,
                   OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $indices `,` $grad_output (`padding_idx` `=` $padding_idx^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DS_PadOp : DS_Op<"pad", [Pure,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "zero padding, the transpose of `ds.slice`";
  let description = [{
    Places `input` into a zero tensor: element `i` of dimension `d` goes to
    `low[d] + i * stride[d]`. The gradient of a strided slice is a pad with
    the slice's starts and strides.

    ```mlir
    %y = ds.pad %x low = [0, 2] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x16xf32>
    ```

    **Constraints:**
    - one `low` and one `strides` entry per dimension; `low >= 0`,
      `strides >= 1`; every placed element lies inside the result.
  }];
  let arguments = (ins DS_Tensor:$input, DenseI64ArrayAttr:$low,
                   DenseI64ArrayAttr:$strides);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = [{
    $input `low` `=` $low `strides` `=` $strides attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

def DS_AdamWUpdateOp : DS_Op<"adamw_update", [Pure,
    DS_OptimizerUpdateOpInterface,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>],
    ["getFlops", "getBytesRead", "getBytesWritten"]> {
  let summary = "one `torch.optim.AdamW` step for one parameter";
  let description = [{
    With `t` the step count after this step (`step`, a 0-d i64 tensor):
    ```
    param  *= 1 - lr * weight_decay
    m       = beta1 * m + (1 - beta1) * grad
    v       = beta2 * v + (1 - beta2) * grad * grad
    denom   = sqrt(v) / sqrt(1 - beta2^t) + eps
    param  -= lr / (1 - beta1^t) * m / denom
    ```
    exactly as `torch.optim.AdamW` (no amsgrad, not maximize). Returns the
    new parameter and moments; the runtime updates them in place. With
    `fused` it runs as `torch.optim.AdamW(fused=True)` does (ATen's
    `_fused_adamw_`: one vectorised pass, no temporary; its rounding
    differs from the default for-loop form by an ulp). With `beside N`
    (-ds-overlap-updates) it may run beside the N compute ops after it;
    with `on_host` (-ds-host-updates) it runs on the host's processor and
    reads and writes host memory.

    With `lr_schedule` the learning rate of step `t` is `lr` times the
    factor Hugging Face's schedulers (`LambdaLR`, stepped after each
    optimizer step) give after `s = t - 1` steps: `s / warmup_steps` while
    `s < warmup_steps`; then 1 (`constant`), `max(0, (total_steps - s) /
    (total_steps - warmup_steps))` (`linear`) or, with `p = (s -
    warmup_steps) / (total_steps - warmup_steps)`, `max(0, r + (1 - r) *
    0.5 * (1 + cos(pi * p)))` (`cosine`, `r` = `min_lr_ratio`, default 0);
    the divisors at least 1. Weight decay scales with it, as in PyTorch.

    ```mlir
    %p1, %m1, %v1 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03
        beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01
        : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>)
          -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    ```

    **Constraints:**
    - `param`, `grad`, `exp_avg`, `exp_avg_sq` and the results share a type.
  }];
  let arguments = (ins DS_FloatTensor:$param, DS_FloatTensor:$grad,
                   DS_FloatTensor:$exp_avg, DS_FloatTensor:$exp_avg_sq,
                   0DTensorOf<[I64]>:$step, F64Attr:$lr, F64Attr:$beta1,
                   F64Attr:$beta2, F64Attr:$eps, F64Attr:$weight_decay,
                   OptionalAttr<I64Attr>:$beside, UnitAttr:$fused,
                   UnitAttr:$on_host, OptionalAttr<StrAttr>:$lr_schedule,
                   OptionalAttr<I64Attr>:$warmup_steps,
                   OptionalAttr<I64Attr>:$total_steps,
                   OptionalAttr<F64Attr>:$min_lr_ratio);
  let results = (outs DS_FloatTensor:$new_param, DS_FloatTensor:$new_exp_avg,
                      DS_FloatTensor:$new_exp_avg_sq);
  let assemblyFormat = [{
    $param `,` $grad `,` $exp_avg `,` $exp_avg_sq `,` $step `lr` `=` $lr
    `beta1` `=` $beta1 `beta2` `=` $beta2 `eps` `=` $eps
    `weight_decay` `=` $weight_decay (`fused` $fused^)? (`beside` $beside^)?
    (`on_host` $on_host^)? (`lr_schedule` `=` $lr_schedule^)?
    (`warmup_steps` `=` $warmup_steps^)? (`total_steps` `=` $total_steps^)?
    (`min_lr_ratio` `=` $min_lr_ratio^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DS_SgdUpdateOp : DS_Op<"sgd_update", [Pure,
    DS_OptimizerUpdateOpInterface,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>],
    ["getFlops", "getBytesRead", "getBytesWritten"]> {
  let summary = "one `torch.optim.SGD` step for one parameter";
  let description = [{
    ```
    grad  += weight_decay * param
    buf    = momentum * buf + grad      (buf starts at zero)
    param -= lr * (momentum != 0 ? buf : grad)
    ```
    as `torch.optim.SGD` with dampening 0 and no Nesterov (a zero-initialised
    buffer gives torch's first step, which clones the gradient). With
    `fused` it runs as `torch.optim.SGD(fused=True)` does (ATen's
    `_fused_sgd_`, one pass) where there is momentum. With `beside N`
    (-ds-overlap-updates) it may run beside the N compute ops after it;
    with `on_host` (-ds-host-updates) it runs on the host's processor and
    reads and writes host memory.

    ```mlir
    %p1, %b1 = ds.sgd_update %p, %g, %b lr = 0.1 momentum = 0.9 weight_decay = 0.0
        : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
    ```

    **Constraints:**
    - `param`, `grad`, `momentum_buffer` and the results share a type.
  }];
  let arguments = (ins DS_FloatTensor:$param, DS_FloatTensor:$grad,
                   DS_FloatTensor:$momentum_buffer, F64Attr:$lr,
                   F64Attr:$momentum, F64Attr:$weight_decay,
                   OptionalAttr<I64Attr>:$beside, UnitAttr:$fused,
                   UnitAttr:$on_host);
  let results = (outs DS_FloatTensor:$new_param,
                      DS_FloatTensor:$new_momentum_buffer);
  let assemblyFormat = [{
    $param `,` $grad `,` $momentum_buffer `lr` `=` $lr `momentum` `=` $momentum
    `weight_decay` `=` $weight_decay (`fused` $fused^)? (`beside` $beside^)?
    (`on_host` $on_host^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // DSC_DIALECT_DS_IR_DSGRADIENTOPS_TD
