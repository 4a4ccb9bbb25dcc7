//===- DSRecomputeOps.td - recomputation regions -----------*- tablegen -*-===//
//
// Activation checkpointing made visible: the forward values a backward pass
// recomputes instead of keeping, as a region of their own.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_DSRECOMPUTEOPS_TD
#define DSC_DIALECT_DS_IR_DSRECOMPUTEOPS_TD

include "mlir/Interfaces/ControlFlowInterfaces.td"

def DS_RecomputeOp : DS_Op<"recompute", [IsolatedFromAbove,
    RecursiveMemoryEffects, SingleBlockImplicitTerminator<"YieldOp">],
    ["getFlops", "getBytesRead", "getBytesWritten"]> {
  let summary = "forward values computed again for the backward pass";
  let description = [{
    Runs its body once, where it stands, on `inputs` (the body's block
    arguments, in order) and returns what the body yields. The body is a
    copy of forward ops of the step (`-ds-activation-checkpoint`): the
    backward pass reads the results instead of the forward values they
    copy, so those die after their last forward use. The body is isolated
    from the step: its ops can neither be merged with the forward ops they
    copy (CSE) nor read anything not passed in. The same kernels run on the
    same inputs in the same order, so the results are bit-identical to the
    values they replace. `block` numbers the forward block (layer, or
    sublayer) whose values the region recomputes; `ds-lower-to-runtime`
    inlines the body.

    ```mlir
    %g = ds.recompute block = 1 (%x, %w) : (tensor<4x8xf32>, tensor<8x8xf32>)
        -> tensor<4x8xf32> {
    ^bb0(%a: tensor<4x8xf32>, %b: tensor<8x8xf32>):
      %m = ds.matmul %a, %b : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
      %r = ds.gelu %m approximate = none : tensor<4x8xf32>
      ds.yield %r : tensor<4x8xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<DS_Tensor>:$inputs, I64Attr:$block);
  let results = (outs Variadic<DS_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `block` `=` $block ` ` `(` $inputs `)` attr-dict `:`
    functional-type($inputs, results) $body
  }];
  let hasVerifier = 1;
}

def DS_YieldOp : DS_Op<"yield", [Pure, Terminator, ReturnLike,
    HasParent<"RecomputeOp">],
    ["getFlops", "getBytesRead", "getBytesWritten"]> {
  let summary = "the results of a ds.recompute region";
  let arguments = (ins Variadic<DS_Tensor>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
  let builders = [OpBuilder<(ins), [{ /* nothing */ }]>];
}

#endif // DSC_DIALECT_DS_IR_DSRECOMPUTEOPS_TD
