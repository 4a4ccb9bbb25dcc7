//===- DSShapeOps.td - shape, layout and constant ops ------*- tablegen -*-===//

#ifndef DSC_DIALECT_DS_IR_DSSHAPEOPS_TD
#define DSC_DIALECT_DS_IR_DSSHAPEOPS_TD

def DS_ReshapeOp : DS_Op<"reshape", [Pure,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>],
    ["getFlops", "getBytesRead", "getBytesWritten"]> {
  let summary = "reinterpretation of a tensor with another static shape";
  let description = [{
    The elements in row-major order are unchanged; only the shape changes.

    ```mlir
    %y = ds.reshape %x : (tensor<2x8x64xf32>) -> tensor<2x8x4x16xf32>
    ```

    **Constraints:**
    - same element type and same number of elements.
  }];
  let arguments = (ins DS_Tensor:$input);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def DS_TransposeOp : DS_Op<"transpose", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "permutation of dimensions";
  let description = [{
    Result dimension `i` is operand dimension `permutation[i]`.

    ```mlir
    %y = ds.transpose %x permutation = [0, 2, 1, 3]
        : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
    ```

    **Constraints:**
    - `permutation` is a permutation of `0 .. rank-1`.
  }];
  let arguments = (ins DS_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = [{
    $input `permutation` `=` $permutation attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def DS_SliceOp : DS_Op<"slice", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface,
                              ["localizeAttributes"]>]> {
  let summary = "static strided slice";
  let description = [{
    Takes `input[starts[d] : limits[d] : strides[d]]` in every dimension `d`.

    ```mlir
    %y = ds.slice %mask starts = [0, 0] limits = [8, 8] strides = [1, 1]
        : (tensor<64x64xf32>) -> tensor<8x8xf32>
    ```

    **Constraints:**
    - `starts`, `limits` and `strides` have one entry per dimension;
    - `0 <= start <= limit <= size` and `stride >= 1` in every dimension.
  }];
  let arguments = (ins DS_Tensor:$input, DenseI64ArrayAttr:$starts,
                   DenseI64ArrayAttr:$limits, DenseI64ArrayAttr:$strides);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = [{
    $input `starts` `=` $starts `limits` `=` $limits `strides` `=` $strides
    attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def DS_ConcatOp : DS_Op<"concat", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "concatenation along one dimension";
  let description = [{
    ```mlir
    %y = ds.concat %a, %b dim = 1
        : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
    ```

    **Constraints:**
    - at least one operand; all have one rank and element type;
    - `dim` is in range; the other dimensions agree.
  }];
  let arguments = (ins Variadic<DS_Tensor>:$inputs, I64Attr:$dim);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = [{
    $inputs `dim` `=` $dim attr-dict `:` functional-type(operands, results)
  }];
}

def DS_SplitOp : DS_Op<"split", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "split into consecutive pieces along one dimension";
  let description = [{
    Result `i` holds `sizes[i]` consecutive entries of `input` along `dim`.

    ```mlir
    %q, %k, %v = ds.split %qkv dim = 2 sizes = [64, 64, 64]
        : (tensor<2x8x192xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>)
    ```

    **Constraints:**
    - `dim` is in range; `sizes` is non-empty, positive, one per result and
      adds up to the size of `dim`.
  }];
  let arguments = (ins DS_Tensor:$input, I64Attr:$dim,
                   DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<DS_Tensor>:$results);
  let assemblyFormat = [{
    $input `dim` `=` $dim `sizes` `=` $sizes attr-dict `:`
    functional-type(operands, results)
  }];
}

def DS_BroadcastOp : DS_Op<"broadcast", [Pure,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "broadcast to a larger shape by the NumPy rule";
  let description = [{
    Expands `input` to the result shape by the dialect's NumPy rule, as
    `torch.Tensor.expand` does.

    ```mlir
    %y = ds.broadcast %b : (tensor<64xf32>) -> tensor<2x8x64xf32>
    ```

    **Constraints:**
    - same element type; the result rank is at least the operand rank;
    - each aligned operand size is 1 or the result size.
  }];
  let arguments = (ins DS_Tensor:$input);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def DS_IotaOp : DS_Op<"iota", [Pure, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "indices along one dimension";
  let description = [{
    Element `[i0, ..., in]` is `i_dim`, converted to the element type.

    ```mlir
    %pos = ds.iota dim = 0 : tensor<8xi64>
    ```

    **Constraints:**
    - `dim` is in range.
  }];
  let arguments = (ins I64Attr:$dim);
  let results = (outs DS_NumericTensor:$result);
  let assemblyFormat = "`dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def DS_DropoutMaskOp : DS_Op<"dropout_mask", [Pure,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>], ["getFlops"]> {
  let summary = "the elements a dropout keeps, a counter-based random draw";
  let description = [{
    Element `i` (row-major index into the whole result) is true, kept, when
    `h(seed, step, stream, i) >> 11 >= floor(p * 2^53)`: a 53-bit uniform
    draw that is at least `p`. `h` is SplitMix64's finaliser over the counter
    `key + (i + 1) * 0x9E3779B97F4A7C15`, where `key` mixes `seed`, the
    training step (the 0-d `step` operand) and `stream` (one per dropout in
    the program) the same way, all arithmetic modulo 2^64 (docs/dropout.md
    writes it out). The draw depends on nothing but these numbers and the
    element's place in the whole tensor, so every rank, every sharding and
    every recomputation draws the same mask, and a reference in PyTorch can
    draw it too.

    ```mlir
    %keep = ds.dropout_mask %step p = 1.000000e-01 stream = 2 seed = 0
        : (tensor<i64>) -> tensor<2x8x64xi1>
    ```

    **Constraints:**
    - `0 <= p < 1`; `stream` and `seed` are not negative.
  }];
  let arguments = (ins 0DTensorOf<[I64]>:$step, F64Attr:$p, I64Attr:$stream,
                   I64Attr:$seed);
  let results = (outs DS_BoolTensor:$result);
  let assemblyFormat = [{
    $step `p` `=` $p `stream` `=` $stream `seed` `=` $seed attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DS_UniformOp : DS_Op<"uniform", [Pure,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>], ["getFlops"]> {
  let summary = "uniform random numbers in [0, 1), a counter-based draw";
  let description = [{
    Element `i` (row-major index into the whole result) is
    `(h(seed, step, stream, i) >> (64 - m)) * 2^-m`, where `h` is the hash
    `ds.dropout_mask` draws with and `m` the bits the element type holds
    exactly: 53 for f64, 24 for f32, 11 for f16, 8 for bf16. Every value is
    a multiple of `2^-m` below 1, as PyTorch's `torch.rand` draws them; the
    numbers depend on nothing but the operands, the attributes and the
    element's place in the whole tensor, so every rank, sharding and
    recomputation draws the same ones (docs/dropout.md). The import makes
    `torch.rand`, `rand_like`, `uniform_` and `bernoulli` of it.

    ```mlir
    %u = ds.uniform %step stream = 1 seed = 0
        : (tensor<i64>) -> tensor<2x1x1xf32>
    ```

    **Constraints:**
    - the result is f64, f32, f16 or bf16; `stream` and `seed` are not
      negative.
  }];
  let arguments = (ins 0DTensorOf<[I64]>:$step, I64Attr:$stream,
                   I64Attr:$seed);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $step `stream` `=` $stream `seed` `=` $seed attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def DS_ConstantOp : DS_Op<"constant", [Pure, ConstantLike,
    AllTypesMatch<["value", "result"]>, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "dense or splat constant tensor";
  let description = [{
    ```mlir
    %c = ds.constant dense<0.0> : tensor<2x8xf32>
    %t = ds.constant dense<[[1, 0], [1, 1]]> : tensor<2x2xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def DS_StopGradientOp : DS_Op<"stop_gradient", [Pure,
    SameOperandsAndResultType,
    DeclareOpInterfaceMethods<DS_VJPOpInterface, ["propagatesGradients"]>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "the identity, through which no gradient flows";
  let description = [{
    Returns its input (`torch.Tensor.detach`). `-ds-autodiff` treats the
    result as a constant of the backward pass and, once the backward is
    built, replaces the op by its input, so no kernel ever runs it.

    ```mlir
    %y = ds.stop_gradient %x : tensor<2x8xf32>
    ```
  }];
  let arguments = (ins DS_Tensor:$input);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def DS_ConvertOp : DS_Op<"convert", [Pure, SameOperandsAndResultShape,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "element type conversion";
  let description = [{
    Converts every element to the result's element type (round to nearest
    even between floats; truncation toward zero from float to integer;
    nonzero, NaN included, to true for i1).

    ```mlir
    %y = ds.convert %x : (tensor<2x8xbf16>) -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins DS_Tensor:$input);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

#endif // DSC_DIALECT_DS_IR_DSSHAPEOPS_TD
