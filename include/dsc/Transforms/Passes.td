//===- Passes.td - dsc passes ------------------------------*- tablegen -*-===//

#ifndef DSC_TRANSFORMS_PASSES_TD
#define DSC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Import clean-up
//===----------------------------------------------------------------------===//

def RecognizeAttentionPass : Pass<"ds-recognize-attention", "::mlir::ModuleOp"> {
  let summary = "Recognise scaled dot-product attention written out in ops";
  let description = [{
    Rewrites `softmax(q · kᵀ · scale [+ mask]) · v` into one `ds.attention`.
    The causal mask is recognised from its constant values when it is
    - an additive tensor holding 0 on and below the diagonal and -inf above
      (a `triu` buffer sliced to the sequence length), or
    - a boolean tensor choosing -inf above the diagonal through `ds.select`
      (`masked_fill(tril == 0, -inf)`);
    no mask gives non-causal attention. The scale may be a multiplication
    (of the scores or of q) or a division of the scores by a constant, and
    element type conversions may stand around the softmax. Keys and values
    repeated over heads (`repeat_kv`'s expand + reshape, or
    `repeat_interleave`) become grouped-query attention with the original,
    fewer heads. The replaced ops, masks included, are left dead and erased.
  }];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

//===----------------------------------------------------------------------===//
// Training step
//===----------------------------------------------------------------------===//

def AutodiffPass : Pass<"ds-autodiff", "::mlir::ModuleOp"> {
  let summary = "Turn the forward loss function into a training step";
  let description = [{
    Differentiates `func.func @forward`, which returns a 0-d float loss, in
    reverse mode with respect to its `ds.trainable` arguments, applies the
    optimizer update and replaces `@forward` by `func.func @train_step`:

    - arguments: every parameter of `@forward` (`ds.role = "parameter"`),
      then the optimizer state (`ds.role = "state"`: for AdamW
      `exp_avg.<p>` and `exp_avg_sq.<p>` per trainable parameter and one
      `step : tensor<i64>`; for SGD with momentum `momentum_buffer.<p>`),
      then the model inputs (`ds.role = "input"`);
    - results: the loss (`ds.role = "loss"`), then the new value of every
      trainable parameter, every state value and the step, each marked
      `ds.updates = "<name of the argument it replaces>"`.

    Each op's gradient comes from its `VJPOpInterface`; gradients of values
    with several uses are summed with `ds.add`. An op on the gradient path
    without the interface is an error. docs/autodiff.md has the contract.

    ```mlir
    func.func @train_step(%w: tensor<8x4xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
                          %m: tensor<8x4xf32> {ds.name = "exp_avg.w", ds.role = "state"},
                          %v: tensor<8x4xf32> {ds.name = "exp_avg_sq.w", ds.role = "state"},
                          %t: tensor<i64> {ds.name = "step", ds.role = "state"},
                          %x: tensor<2x4xf32> {ds.name = "x", ds.role = "input"})
        -> (tensor<f32> {ds.role = "loss"}, tensor<8x4xf32> {ds.updates = "w"},
            tensor<8x4xf32> {ds.updates = "exp_avg.w"},
            tensor<8x4xf32> {ds.updates = "exp_avg_sq.w"},
            tensor<i64> {ds.updates = "step"})
    ```
  }];
  let options = [
    Option<"optimizer", "optimizer", "std::string", "\"adamw\"",
           "The optimizer: adamw (torch.optim.AdamW) or sgd (torch.optim.SGD)">,
    Option<"lr", "lr", "double", "1e-3", "Learning rate">,
    Option<"beta1", "beta1", "double", "0.9", "AdamW's first moment decay">,
    Option<"beta2", "beta2", "double", "0.999", "AdamW's second moment decay">,
    Option<"eps", "eps", "double", "1e-8", "AdamW's denominator epsilon">,
    Option<"weightDecay", "weight-decay", "double", "-1.0",
           "Weight decay; negative (the default) takes the optimizer's "
           "PyTorch default: 0.01 for adamw, 0 for sgd">,
    Option<"momentum", "momentum", "double", "0.0", "SGD momentum">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect",
                           "::mlir::func::FuncDialect"];
}

#endif // DSC_TRANSFORMS_PASSES_TD
