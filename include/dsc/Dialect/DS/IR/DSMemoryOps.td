//===- DSMemoryOps.td - where tensors live between uses ----*- tablegen -*-===//
//
// Offload made visible: a persistent tensor kept outside device memory
// (an argument with `ds.memory_space`) is reloaded before its readers and
// its new value offloaded before the step returns it (-ds-offload). Both
// transfers are asynchronous: each starts where its op stands and ends at
// its `ds.wait`, which -ds-place-transfers moves apart by the cost model.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DS_IR_DSMEMORYOPS_TD
#define DSC_DIALECT_DS_IR_DSMEMORYOPS_TD

def DS_ReloadOp : DS_Op<"reload", [SameOperandsAndResultType],
    ["getFlops"]> {
  let summary = "a tensor brought back from host memory or NVMe";
  let description = [{
    The value of `input`, an argument of the step kept in memory space
    `space` ("nvme": a swap file per rank; "cpu": host memory), in device
    memory: the runtime
    starts reading it into the result's buffer here, and the read is over
    at the result's one reader, a `ds.wait`, whose result the step reads.
    The values are equal; only where the bytes live changes. Each reload is
    a buffer of its own (its result is allocated): two reloads of one
    argument are not merged (CSE), so that each phase's readers hold it in
    memory only around them; an unread one is dead.

    ```mlir
    %m = ds.reload %exp_avg from "nvme" : tensor<64x64xf32>
    ```

    **Constraints:**
    - `space` is "cpu" or "nvme".
    - The result's only reader is one `ds.wait`.
  }];
  let arguments = (ins DS_Tensor:$input, StrAttr:$space);
  let results = (outs Res<DS_Tensor, "", [MemAlloc]>:$result);
  let assemblyFormat = "$input `from` $space attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def DS_OffloadOp : DS_Op<"offload", [Pure, SameOperandsAndResultType],
    ["getFlops"]> {
  let summary = "a tensor's new value written to host memory or NVMe";
  let description = [{
    The value of `input` in memory space `space`: the step returns it (through
    its `ds.wait`) as the new value of an argument kept there
    (`ds.updates`). The runtime starts writing `input`'s buffer to that
    argument's swap file here; the buffer stays allocated, and nothing
    writes it, until the write is over at the `ds.wait`. The values are
    equal.

    ```mlir
    %o = ds.offload %new_exp_avg to "nvme" : tensor<64x64xf32>
    ```

    **Constraints:**
    - `space` is "cpu" or "nvme".
    - The result's only reader is one `ds.wait`.
  }];
  let arguments = (ins DS_Tensor:$input, StrAttr:$space);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$input `to` $space attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def DS_WaitOp : DS_Op<"wait", [Pure, SameOperandsAndResultType],
    ["getFlops", "getBytesRead", "getBytesWritten"]> {
  let summary = "the end of a ds.reload's or ds.offload's transfer";
  let description = [{
    The transfer that `input` (a `ds.reload` or `ds.offload`) started is
    complete: a reload's buffer holds the value and may be read, an
    offload's source buffer may be freed. The values are equal. Between
    the transfer and its wait the step runs other work: how far apart they
    stand is the prefetch distance (-ds-place-transfers).

    ```mlir
    %r = ds.reload %exp_avg from "nvme" : tensor<64x64xf32>
    %m = ds.wait %r : tensor<64x64xf32>
    ```

    **Constraints:**
    - `input` is the result of a `ds.reload` or `ds.offload`.
  }];
  let arguments = (ins DS_Tensor:$input);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

#endif // DSC_DIALECT_DS_IR_DSMEMORYOPS_TD
