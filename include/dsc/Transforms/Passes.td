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

#endif // DSC_TRANSFORMS_PASSES_TD
