//===- DSMemoryOps.td - where tensors live between uses ----*- tablegen -*-===//
//
// Offload made visible: a persistent tensor kept outside device memory
// (an argument with `ds.memory_space`) is reloaded before its readers and
// its new value offloaded before the step returns it (-ds-offload).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_DSMEMORYOPS_TD
#define DSC_DIALECT_DS_IR_DSMEMORYOPS_TD

def DS_ReloadOp : DS_Op<"reload", [Pure, SameOperandsAndResultType],
    ["getFlops"]> {
  let summary = "a tensor brought back from host memory or NVMe";
  let description = [{
    The value of `input`, an argument of the step kept in memory space
    `space` ("nvme": a swap file per rank), in device memory: the runtime
    reads it into the result's buffer. The values are equal; only where
    the bytes live changes.

    ```mlir
    %m = ds.reload %exp_avg from "nvme" : tensor<64x64xf32>
    ```

    **Constraints:**
    - `space` is "nvme".
  }];
  let arguments = (ins DS_Tensor:$input, StrAttr:$space);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$input `from` $space attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def DS_OffloadOp : DS_Op<"offload", [Pure, SameOperandsAndResultType],
    ["getFlops"]> {
  let summary = "a tensor's new value written to host memory or NVMe";
  let description = [{
    The value of `input` in memory space `space`: the step returns it as
    the new value of an argument kept there (`ds.updates`), and the runtime
    writes it to that argument's swap file. The values are equal.

    ```mlir
    %o = ds.offload %new_exp_avg to "nvme" : tensor<64x64xf32>
    ```

    **Constraints:**
    - `space` is "nvme".
  }];
  let arguments = (ins DS_Tensor:$input, StrAttr:$space);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$input `to` $space attr-dict `:` type($result)";
  let hasVerifier = 1;
}

#endif // DSC_DIALECT_DS_IR_DSMEMORYOPS_TD
