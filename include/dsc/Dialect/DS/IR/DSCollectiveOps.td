//===- DSCollectiveOps.td - mesh and collectives -----------*- tablegen -*-===//

#ifndef DSC_DIALECT_DS_IR_DSCOLLECTIVEOPS_TD
#define DSC_DIALECT_DS_IR_DSCOLLECTIVEOPS_TD

def DS_MeshOp : DS_Op<"mesh", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "a named device mesh";
  let description = [{
    Declares a device mesh: named axes with their sizes, major to minor. The
    ranks of the mesh are numbered in row-major order of the axis
    coordinates. Collectives and `#ds.sharding` attributes name the mesh and
    a subset of its axes.

    ```mlir
    ds.mesh @mesh ["dp" = 2, "sp" = 4]
    ```

    **Constraints:**
    - at least one axis; names are distinct and non-empty; sizes are >= 1.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$axis_names,
                   DenseI64ArrayAttr:$axis_sizes);
  let assemblyFormat =
      "$sym_name custom<MeshAxes>($axis_names, $axis_sizes) attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Returns the size of the axis called `name`, or -1 if there is none.
    int64_t getAxisSize(::llvm::StringRef name);
    /// Returns the number of ranks of the mesh.
    int64_t getNumRanks();
  }];
}

class DS_CollectiveOp<string mnemonic, list<Trait> traits = []>
    : DS_Op<mnemonic, !listconcat([
        DeclareOpInterfaceMethods<SymbolUserOpInterface>], traits)> {
  code commonDescription = [{
    The op runs on every rank of the groups formed by the mesh axes `axes`
    of `mesh` (the ranks whose coordinates differ only along those axes);
    `n` below is the product of those axes' sizes.
  }];
  code commonConstraints = [{
    - `mesh` names a `ds.mesh`; `axes` is non-empty, its names are axes of
      that mesh and distinct;
  }];
  let results = (outs DS_Tensor:$result);
  code extraCollectiveDeclaration = [{
    /// Returns the number of ranks in each group, or a failure diagnostic
    /// when the mesh or an axis cannot be resolved.
    ::mlir::FailureOr<int64_t> getGroupSize(
        ::mlir::SymbolTableCollection &symbolTable);
  }];
  let extraClassDeclaration = extraCollectiveDeclaration;
  let hasVerifier = 1;
}

def DS_AllToAllOp : DS_CollectiveOp<"all_to_all"> {
  let summary = "all-to-all: split one dimension, concatenate another";
  let description = !strconcat(commonDescription, [{
    Each rank splits `input` along `split_dim` into `n` equal pieces, sends
    piece `j` to the `j`-th rank of its group, and concatenates what it
    receives along `concat_dim` in rank order. Ulysses sequence parallelism
    uses it to switch between sequence-split and head-split tensors.

    With `real_dim` and `real_sizes` (an `n` x `n` matrix, row-major), only
    the first `real_sizes[i * n + j]` entries along `real_dim` of the piece
    that group rank `i` sends to group rank `j` are real: only they are
    sent, and the receiver writes zeros in the rest of that piece. Unequal
    splits of padded heads use it (`-ds-trim-all-to-all`): the zero heads
    are not moved.

    ```mlir
    %y = ds.all_to_all %x on @mesh ["sp"] split_dim = 1 concat_dim = 2
        : (tensor<2x8x4x16xf32>) -> tensor<2x2x16x16xf32>
    // 3 real heads of 4, in pieces of 2: rank 1 gets one real head.
    %h = ds.all_to_all %q on @mesh ["sp"] split_dim = 1 concat_dim = 2
        real_dim = 1 real_sizes = [2, 1, 2, 1]
        : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
    ```

    **Constraints:**
  }], commonConstraints, [{
    - `split_dim` and `concat_dim` are in range;
    - the size of `split_dim` is divisible by `n`;
    - the result is the input with `split_dim` divided by `n` and
      `concat_dim` multiplied by `n`;
    - `real_dim` and `real_sizes` come together; `real_dim` is in range;
      `real_sizes` has `n` * `n` entries, each from 0 to the pieces' size
      along `real_dim`.
  }]);
  let arguments = (ins DS_Tensor:$input, FlatSymbolRefAttr:$mesh,
                   StrArrayAttr:$axes, I64Attr:$split_dim, I64Attr:$concat_dim,
                   OptionalAttr<I64Attr>:$real_dim,
                   OptionalAttr<DenseI64ArrayAttr>:$real_sizes);
  let assemblyFormat = [{
    $input `on` $mesh $axes `split_dim` `=` $split_dim
    `concat_dim` `=` $concat_dim
    (`real_dim` `=` $real_dim^)? (`real_sizes` `=` $real_sizes^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = extraCollectiveDeclaration # [{
    /// The extent along dimension `dim` of each piece (the input's, divided
    /// by the group size when `dim` is `split_dim`).
    int64_t getPieceExtent(int64_t dim, int64_t groupSize);
  }];
}

def DS_AllGatherOp : DS_CollectiveOp<"all_gather"> {
  let summary = "all-gather along one dimension";
  let description = !strconcat(commonDescription, [{
    Concatenates the inputs of the group along `dim` in rank order.

    ```mlir
    %w = ds.all_gather %shard on @mesh ["dp"] dim = 0
        : (tensor<32x64xf32>) -> tensor<64x64xf32>
    ```

    **Constraints:**
  }], commonConstraints, [{
    - `dim` is in range;
    - the result is the input with `dim` multiplied by `n`.
  }]);
  let arguments = (ins DS_Tensor:$input, FlatSymbolRefAttr:$mesh,
                   StrArrayAttr:$axes, I64Attr:$dim);
  let assemblyFormat = [{
    $input `on` $mesh $axes `dim` `=` $dim attr-dict `:`
    functional-type(operands, results)
  }];
}

def DS_ReduceScatterOp : DS_CollectiveOp<"reduce_scatter"> {
  let summary = "reduce-scatter along one dimension";
  let description = !strconcat(commonDescription, [{
    Combines the inputs of the group elementwise with `reduction` and leaves
    the `j`-th of `n` equal pieces along `dim` on the `j`-th rank.

    ```mlir
    %g = ds.reduce_scatter %grad on @mesh ["dp"] dim = 0 reduction = sum
        : (tensor<64x64xf32>) -> tensor<32x64xf32>
    ```

    **Constraints:**
  }], commonConstraints, [{
    - `dim` is in range and its size is divisible by `n`;
    - the result is the input with `dim` divided by `n`.
  }]);
  let arguments = (ins DS_NumericTensor:$input, FlatSymbolRefAttr:$mesh,
                   StrArrayAttr:$axes, I64Attr:$dim,
                   DS_ReductionKindAttr:$reduction);
  let assemblyFormat = [{
    $input `on` $mesh $axes `dim` `=` $dim `reduction` `=` $reduction
    attr-dict `:` functional-type(operands, results)
  }];
}

def DS_AllReduceOp
    : DS_CollectiveOp<"all_reduce", [SameOperandsAndResultType]> {
  let summary = "all-reduce";
  let description = !strconcat(commonDescription, [{
    Combines the inputs of the group elementwise with `reduction`; every rank
    receives the result.

    ```mlir
    %l = ds.all_reduce %loss on @mesh ["dp", "sp"] reduction = mean : tensor<f32>
    ```

    **Constraints:**
  }], commonConstraints);
  let arguments = (ins DS_NumericTensor:$input, FlatSymbolRefAttr:$mesh,
                   StrArrayAttr:$axes, DS_ReductionKindAttr:$reduction);
  let assemblyFormat = [{
    $input `on` $mesh $axes `reduction` `=` $reduction attr-dict `:`
    type($result)
  }];
}

def DS_LocalSliceOp : DS_CollectiveOp<"local_slice", [Pure]> {
  let summary = "this rank's piece of a replicated tensor";
  let description = !strconcat(commonDescription, [{
    Takes the `j`-th of `n` equal pieces of `input` along `dim`, where `j`
    is this rank's index in its group. No data moves: every rank holds the
    whole input. Sharding propagation uses it where a replicated value (a
    position table, a mask) meets values split along the same dimension.

    ```mlir
    %rows = ds.local_slice %pos on @mesh ["sp"] dim = 0
        : (tensor<64x128xf32>) -> tensor<16x128xf32>
    ```

    **Constraints:**
  }], commonConstraints, [{
    - `dim` is in range and its size is divisible by `n`;
    - the result is the input with `dim` divided by `n`.
  }]);
  let arguments = (ins DS_Tensor:$input, FlatSymbolRefAttr:$mesh,
                   StrArrayAttr:$axes, I64Attr:$dim);
  let assemblyFormat = [{
    $input `on` $mesh $axes `dim` `=` $dim attr-dict `:`
    functional-type(operands, results)
  }];
}

def DS_ReshardOp : DS_Op<"reshard", [Pure, SameOperandsAndResultType,
                                      DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a change of sharding, still on global types";
  let description = [{
    Written by `-ds-propagate-sharding` where a value must change how it is
    split before an op can use it (or after an op, to complete partial
    results or move a split back): the result is the input, sharded as
    `sharding` says. The input's sharding is the one recorded where it is
    defined (`ds.shardings` on its op, `ds.sharding` on a function
    argument; replicated if none). Types stay global; `-ds-partition` turns
    each reshard into the collectives that realise it (`ds.all_to_all`,
    `ds.all_gather`, `ds.local_slice`, `ds.all_reduce` for partial axes).

    ```mlir
    // The heads take sp from the sequence (Ulysses).
    %q2 = ds.reshard %q to <@mesh, [{}, {}, {"sp"}, {} ]>
        : tensor<2x64x8x16xf32>
    // Complete a partial sum.
    %g = ds.reshard %p to <@mesh, [{}, {} ]> : tensor<64x64xf32>
    ```

    **Constraints:**
    - `sharding` has one entry per dimension, names a `ds.mesh` and only
      its axes.
  }];
  let arguments = (ins DS_Tensor:$input, DS_ShardingAttr:$sharding);
  let results = (outs DS_Tensor:$result);
  let assemblyFormat = [{
    $input `to` $sharding attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

#endif // DSC_DIALECT_DS_IR_DSCOLLECTIVEOPS_TD
