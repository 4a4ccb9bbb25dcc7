//===- DSNeuralOps.td - products, norms, attention, losses -*- tablegen -*-===//

#ifndef DSC_DIALECT_DS_IR_DSNEURALOPS_TD
#define DSC_DIALECT_DS_IR_DSNEURALOPS_TD

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

def DS_MatmulOp : DS_Op<"matmul", [Pure,
    InferTypeOpAdaptorWithIsCompatible,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface,
                              ["accumulatesInFloat32"]>],
    ["getFlops", "usesMatrixUnits"]> {
  let summary = "batched matrix product with transpose flags";
  let description = [{
    Multiplies the last two dimensions of `lhs` [..., M, K] and `rhs`
    [..., K, N], giving [..., M, N]. With `transpose_lhs` (`transpose_rhs`)
    the last two dimensions of that operand are swapped first. Leading batch
    dimensions broadcast by the dialect's NumPy rule, as `torch.matmul` does.

    ```mlir
    %s = ds.matmul %q, %k transpose_rhs
        : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x8xf32>
    ```

    The result may be float32 where the operands are bfloat16 or float16:
    the products accumulated in float32 and not rounded to the operands'
    type (-ds-propagate-sharding's partial sums of a split contraction,
    summed over the ranks before their one rounding).

    **Constraints:**
    - both operands have rank at least 2 and the same element type;
    - the contracted dimensions have the same size;
    - the batch dimensions are broadcast-compatible;
    - the result's element type is the operands' or, for bfloat16 and
      float16 operands, float32.
  }];
  let arguments = (ins DS_FloatTensor:$lhs, DS_FloatTensor:$rhs,
                   UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_lhs` $transpose_lhs^)?
    (`transpose_rhs` $transpose_rhs^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def DS_LinearOp : DS_Op<"linear", [Pure,
    InferTypeOpAdaptorWithIsCompatible,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface,
                              ["accumulatesInFloat32"]>],
    ["getFlops", "usesMatrixUnits"]> {
  let summary = "affine map `input · weightᵀ + bias`";
  let description = [{
    Applies `torch.nn.functional.linear`: `input` [..., in], `weight`
    [out, in] and an optional `bias` [out] give [..., out].

    The result may be float32 where the operands are bfloat16 or float16:
    the products accumulated in float32 and not rounded to the operands'
    type, a partial sum over `in` that `-ds-propagate-sharding` completes
    with a float32 all-reduce before the one rounding (a head-split output
    projection).

    ```mlir
    %y = ds.linear %x, %w bias %b
        : (tensor<2x8x64xf32>, tensor<192x64xf32>, tensor<192xf32>) -> tensor<2x8x192xf32>
    ```

    **Constraints:**
    - `weight` has rank 2, `bias` rank 1, `input` rank at least 1;
    - the last dimension of `input` equals the second of `weight`;
    - the size of `bias` equals the first dimension of `weight`;
    - all operands have the same element type; the result has it too or,
      for bfloat16 and float16 operands, float32.
  }];
  let arguments = (ins DS_FloatTensor:$input, DS_FloatTensor:$weight,
                   Optional<DS_FloatTensor>:$bias);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class DS_ReduceOp<string mnemonic, string what,
                  Trait inferType = InferTypeOpAdaptor, string wide = "">
    : DS_Op<mnemonic, [Pure, inferType,
                       DeclareOpInterfaceMethods<DS_VJPOpInterface>,
                       DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface,
                           ["accumulatesInFloat32"]>]> {
  let summary = what # " over dimensions";
  let description = !strconcat("Reduces `input` to its ", what,
    [{ over `dims`. With `keepdim` the reduced dimensions stay with size 1,
    otherwise they are removed.}], wide, [{

    ```mlir
    %s = ds.}], mnemonic, [{ %x dims = [2] keepdim : (tensor<2x8x64xf32>) -> tensor<2x8x1xf32>
    ```

    **Constraints:**
    - `dims` is non-empty, sorted, without repeats, and each is in range.
  }]);
  let arguments = (ins DS_NumericTensor:$input, DenseI64ArrayAttr:$dims,
                   UnitAttr:$keepdim);
  let results = (outs DS_NumericTensor:$result);
  let assemblyFormat = [{
    $input `dims` `=` $dims (`keepdim` $keepdim^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

defvar DS_WideReduction = [{ The result may be float32 where the input is
    bfloat16 or float16: accumulated in float32 and not rounded to the
    input's type (-ds-propagate-sharding's partial sums over split
    dimensions, completed over the ranks before their one rounding).}];
def DS_SumOp : DS_ReduceOp<"sum", "sum", InferTypeOpAdaptorWithIsCompatible,
                           DS_WideReduction>;
def DS_MeanOp : DS_ReduceOp<"mean", "mean", InferTypeOpAdaptorWithIsCompatible,
                            DS_WideReduction>;
def DS_MaxOp : DS_ReduceOp<"max", "maximum">;

//===----------------------------------------------------------------------===//
// Softmax and normalisations
//===----------------------------------------------------------------------===//

class DS_SoftmaxBase<string mnemonic, string formula>
    : DS_Op<mnemonic, [Pure, SameOperandsAndResultType,
                       DeclareOpInterfaceMethods<DS_VJPOpInterface>,
                       DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = formula # " along one dimension";
  let description = !strconcat("Computes `", formula, [{` along `dim`,
    numerically stable (the maximum is subtracted first).

    ```mlir
    %p = ds.}], mnemonic, [{ %s dim = 3 : tensor<2x4x8x8xf32>
    ```

    **Constraints:**
    - `dim` is in range.
  }]);
  let arguments = (ins DS_FloatTensor:$input, I64Attr:$dim);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = "$input `dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def DS_SoftmaxOp : DS_SoftmaxBase<"softmax", "exp(x) / sum(exp(x))">;

def DS_CumsumOp : DS_Op<"cumsum", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "running sum along one dimension";
  let description = [{
    Element `i` along `dim` is the sum of the input's elements `0..i`
    (`torch.cumsum`), or with `reverse` of `i..n-1` (its gradient). The
    sum runs in order along `dim`, so the dimension is not split: sequence
    parallelism gathers it.

    ```mlir
    %pos = ds.cumsum %mask dim = 1 : tensor<2x16xi64>
    ```

    **Constraints:**
    - `dim` is in range.
  }];
  let arguments = (ins DS_NumericTensor:$input, I64Attr:$dim,
                   DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs DS_NumericTensor:$result);
  let assemblyFormat = "$input `dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}
def DS_LogSoftmaxOp : DS_SoftmaxBase<"log_softmax", "x - log(sum(exp(x)))">;

def DS_LayerNormOp : DS_Op<"layer_norm", [Pure, AttrSizedOperandSegments,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "layer normalisation over the last dimension";
  let description = [{
    `(x - mean(x)) / sqrt(var(x) + epsilon) * weight + bias` over the last
    dimension, with the biased variance, as `torch.nn.LayerNorm` does.
    `weight` and `bias` are optional.

    ```mlir
    %y = ds.layer_norm %x weight %g bias %b epsilon = 1.0e-05
        : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
    ```

    **Constraints:**
    - `weight` and `bias`, when present, have rank 1 and the size of the
      last dimension of `input`, and its element type;
    - `epsilon` is positive.
  }];
  let arguments = (ins DS_FloatTensor:$input,
                   Optional<DS_FloatTensor>:$weight,
                   Optional<DS_FloatTensor>:$bias, F64Attr:$epsilon);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? (`bias` $bias^)? `epsilon` `=` $epsilon
    attr-dict `:` functional-type(operands, results)
  }];
}

def DS_RmsNormOp : DS_Op<"rms_norm", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "root-mean-square normalisation over the last dimension";
  let description = [{
    `x * rsqrt(mean(x^2) + epsilon) * weight` over the last dimension, as
    Llama's `RMSNorm` does; `weight` is optional.

    ```mlir
    %y = ds.rms_norm %x weight %g epsilon = 1.0e-05
        : (tensor<2x8x64xf32>, tensor<64xf32>) -> tensor<2x8x64xf32>
    ```

    **Constraints:**
    - `weight`, when present, has rank 1, the size of the last dimension of
      `input` and its element type;
    - `epsilon` is positive.
  }];
  let arguments = (ins DS_FloatTensor:$input, Optional<DS_FloatTensor>:$weight,
                   F64Attr:$epsilon);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? `epsilon` `=` $epsilon attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Embedding, attention, loss
//===----------------------------------------------------------------------===//

def DS_EmbeddingOp : DS_Op<"embedding", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_IndexingOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>],
    ["getFlops", "getBytesRead"]> {
  let summary = "row lookup in an embedding table";
  let description = [{
    Gathers the rows of `weight` [V, D] named by `indices` [...], giving
    [..., D]. With `padding_idx`, row `padding_idx` gets no gradient
    (`torch.nn.Embedding(padding_idx=...)`); the lookup itself is unchanged.

    ```mlir
    %e = ds.embedding %wte, %tokens padding_idx = 0
        : (tensor<256x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
    ```

    **Constraints:**
    - `weight` has rank 2;
    - `padding_idx`, if present, is a row of `weight`.
  }];
  let arguments = (ins DS_FloatTensor:$weight, DS_IntTensor:$indices,
                   OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $weight `,` $indices (`padding_idx` `=` $padding_idx^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

def DS_AttentionOp : DS_Op<"attention", [Pure, AttrSizedOperandSegments,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface,
                              ["maskPadding"]>],
    ["getFlops", "usesMatrixUnits"]> {
  let summary = "scaled dot-product attention: causal, windowed, biased, GQA";
  let description = [{
    `softmax(q · kᵀ · scale [+ bias] [+ mask]) · v` per batch and head;
    with `softcap` c, `softmax(c · tanh(q · kᵀ · scale / c) [+ bias]
    [+ mask]) · v` (Gemma 2's logit soft-capping: the bias and the masks
    come after the cap).
    `query` is [B, Hq, S, D], `key` [B, Hkv, Skv, D] and `value`
    [B, Hkv, Skv, Dv]; query head `h` attends with key/value head
    `h / (Hq / Hkv)` (grouped-query attention). The result is [B, Hq, S, Dv].

    - `bias`, if present, is added to the scaled scores: [B, Hq, S, Skv] or
      any shape that broadcasts to it with the same rank (ALiBi's
      [1, Hq, 1, Skv], a key-padding mask [B, 1, 1, Skv]). Its gradient
      is `ds.attention_grad`'s fourth result (a relative position bias
      from a trainable table).
    - With `causal`, position `i` attends to positions `j <= i`; with a
      `window` W as well, to `i - W < j <= i` (sliding-window attention).
    - With `key_length` N, keys at positions `j >= N` are masked out (the
      padding that sequence parallelism adds at the end of a sequence).
    - `sinks`, if present, is [Hq]: one more logit per head in every row's
      softmax, after the scale, cap, bias and masks, with no value (GPT-OSS's
      attention sinks): the row's probabilities sum to less than one.
    - With `fill` F (and a bias), scores whose bias is -inf become F
      instead of -inf: the `masked_fill(~mask, F)` that DeBERTa applies
      after its biases. A masked score then passes no gradient to q, k or
      the bias, and a query whose every key is so masked attends to all
      keys alike (with -inf it would be zero). The causal, window and
      key-length masks still remove their keys.
    - `softcap`, `sinks` and `fill` run the blocked composite kernel (ATen's
      fused kernels have none of them): exact, slower, with memory of one
      block of query rows.
    - `bias_grad` (set by `-ds-autodiff`) says that the bias gets a
      gradient (it depends on a trainable parameter: T5's relative
      position bias). PyTorch's SDPA on the CPU then runs its math backend
      (half types computed in float32, each result rounded once), and so
      does the CPU kernel (the blocked composite form) rather than ATen's
      flash kernel, which rounds the probabilities to a half type before
      they multiply the values.

    ```mlir
    %o = ds.attention %q, %k, %v causal scale = 0.25
        : (tensor<2x8x16x16xf32>, tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>)
          -> tensor<2x8x16x16xf32>
    %w = ds.attention %q, %k, %v bias %alibi causal window = 4 scale = 0.25
        : (tensor<2x8x16x16xf32>, tensor<2x2x16x16xf32>, tensor<2x2x16x16xf32>,
           tensor<1x8x1x16xf32>) -> tensor<2x8x16x16xf32>
    ```

    **Constraints:**
    - the operands have rank 4 and one element type;
    - batch sizes agree; `key` and `value` agree on heads and length;
    - `query` and `key` agree on the head dimension;
    - `Hkv` is positive and `Hq` is a multiple of it;
    - with `causal`, `S` equals `Skv`;
    - `bias` broadcasts to [B, Hq, S, Skv];
    - `sinks` is [Hq];
    - `window` is at least 1 and needs `causal`;
    - `key_length` is between 1 and `Skv`;
    - `scale` and `softcap` are positive and finite;
    - `fill` is finite and needs `bias`.
  }];
  let arguments = (ins DS_FloatTensor:$query, DS_FloatTensor:$key,
                   DS_FloatTensor:$value, Optional<DS_FloatTensor>:$bias,
                   Optional<DS_FloatTensor>:$sinks,
                   UnitAttr:$causal, OptionalAttr<I64Attr>:$window,
                   OptionalAttr<I64Attr>:$key_length, F64Attr:$scale,
                   OptionalAttr<F64Attr>:$softcap, OptionalAttr<F64Attr>:$fill,
                   UnitAttr:$bias_grad);
  let results = (outs DS_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` $bias^)? (`sinks` $sinks^)?
    (`causal` $causal^)?
    (`window` `=` $window^)? (`key_length` `=` $key_length^)?
    `scale` `=` $scale (`softcap` `=` $softcap^)? (`fill` `=` $fill^)?
    (`bias_grad` $bias_grad^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let builders = [
    // Plain (or causal) attention without bias, window or key length.
    OpBuilder<(ins "::mlir::Value":$query, "::mlir::Value":$key,
                   "::mlir::Value":$value, "bool":$causal,
                   "const ::llvm::APFloat &":$scale), [{
      build($_builder, $_state, query, key, value, /*bias=*/::mlir::Value(),
            /*sinks=*/::mlir::Value(), causal ? $_builder.getUnitAttr() : ::mlir::UnitAttr(),
            /*window=*/::mlir::IntegerAttr(), /*key_length=*/::mlir::IntegerAttr(),
            $_builder.getF64FloatAttr(scale.convertToDouble()),
            /*softcap=*/::mlir::FloatAttr(), /*fill=*/::mlir::FloatAttr(),
            /*bias_grad=*/::mlir::UnitAttr());
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getNumQueryHeads() {
      return getQuery().getType().getDimSize(1);
    }
    int64_t getNumKeyValueHeads() {
      return getKey().getType().getDimSize(1);
    }
  }];
}

def DS_CrossEntropyOp : DS_Op<"cross_entropy", [Pure,
    InferTypeOpAdaptor, DeclareOpInterfaceMethods<DS_IndexingOpInterface>, DeclareOpInterfaceMethods<DS_VJPOpInterface>,
    DeclareOpInterfaceMethods<DS_ShardingRuleOpInterface>]> {
  let summary = "cross-entropy loss over the tokens that count";
  let description = [{
    `logits` [..., C] and integer `labels` [...]: the loss of one position is
    `logsumexp(logits) - logits[label]`; positions whose label equals
    `ignore_index` do not count. The result is the mean over the positions
    that count, a 0-d tensor, as `torch.nn.functional.cross_entropy` with
    `reduction='mean'` gives; with `sum`, their sum (`reduction='sum'`).
    Distributed steps use the sum form: the mean over all ranks is the sum
    of the sums over the sum of the counts.

    ```mlir
    %l = ds.cross_entropy %logits, %labels ignore_index = -100
        : (tensor<16x256xf32>, tensor<16xi64>) -> tensor<f32>
    ```

    **Constraints:**
    - `labels` has rank one less than `logits` and its leading shape.
  }];
  let arguments = (ins DS_FloatTensor:$logits, DS_IntTensor:$labels,
                   I64Attr:$ignore_index, UnitAttr:$sum);
  let results = (outs DS_ScalarFloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `ignore_index` `=` $ignore_index (`sum` $sum^)?
    attr-dict `:` functional-type(operands, results)
  }];
}

#endif // DSC_DIALECT_DS_IR_DSNEURALOPS_TD
