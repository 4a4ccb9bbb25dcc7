//===- DSRTOps.td - the dsrt runtime dialect ---------------*- tablegen -*-===//
//
// Buffer level: every tensor of the `ds` step has become a statically placed
// buffer (an arena slot, persistent storage or a constant) and every op a
// kernel call that writes into its output buffers. Target/Plan serialises a
// `dsrt` step function into the plan file the runtime executes.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DIALECT_DSRT_IR_DSRTOPS_TD
#define DSC_DIALECT_DSRT_IR_DSRTOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def DSRT_Dialect : Dialect {
  let name = "dsrt";
  let cppNamespace = "::mlir::dsrt";
  let summary = "Buffer-level runtime ops: placed buffers and kernel calls";
  let description = [{
    A `dsrt` step is a `func.func` with no arguments whose body declares
    buffers and calls kernels in execution order. The function carries
    `dsrt.arena_bytes` (the planned peak of the arena) and
    `dsrt.arena_alignment`. A module that runs on more than one rank
    declares its mesh with `dsrt.mesh`. Nothing of the `ds` dialect remains
    at this level: the plan emitter reads `dsrt` and builtin attributes
    only.
  }];
}

class DSRT_Op<string mnemonic, list<Trait> traits = []>
    : Op<DSRT_Dialect, mnemonic, traits>;

def DSRT_Buffer : MemRefRankOf<[AnyType], [0, 1, 2, 3, 4, 5, 6, 7, 8]>;

def DSRT_StorageKind : I32EnumAttr<"StorageKind",
    "where persistent bytes come from", [
      I32EnumAttrCase<"Parameter", 0, "parameter">,
      I32EnumAttrCase<"State", 1, "state">,
      I32EnumAttrCase<"Input", 2, "input">]> {
  let cppNamespace = "::mlir::dsrt";
}

def DSRT_Phase : I32EnumAttr<"Phase", "the part of the step a kernel is in", [
      I32EnumAttrCase<"Forward", 0, "forward">,
      I32EnumAttrCase<"Backward", 1, "backward">,
      I32EnumAttrCase<"Optimizer", 2, "optimizer">]> {
  let cppNamespace = "::mlir::dsrt";
}

def DSRT_MeshOp : DSRT_Op<"mesh", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "the device mesh the step runs on";
  let description = [{
    Named axes with their sizes, major to minor; ranks are numbered in
    row-major order of their coordinates. Collective kernels name the mesh
    (`mesh = @mesh`) and some of its axes; a plan runs on one mesh.

    ```mlir
    dsrt.mesh @mesh ["dp", "sp"] sizes [2, 4]
    ```

    **Constraints:**
    - at least one axis; names are distinct and non-empty; sizes are >= 1.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$axis_names,
                   DenseI64ArrayAttr:$axis_sizes);
  let assemblyFormat = "$sym_name $axis_names `sizes` $axis_sizes attr-dict";
  let hasVerifier = 1;
}

def DSRT_ArenaBufferOp : DSRT_Op<"arena_buffer", [Pure]> {
  let summary = "a slot of the step's arena";
  let description = [{
    The bytes at `offset` of the arena, viewed as a row-major buffer.
    Slots whose lifetimes do not overlap may share bytes.

    ```mlir
    %b = dsrt.arena_buffer offset = 128 : memref<2x16x64xf32>
    ```

    **Constraints:**
    - `offset` is non-negative; the buffer has a static shape.
  }];
  let arguments = (ins I64Attr:$offset);
  let results = (outs DSRT_Buffer:$buffer);
  let assemblyFormat = "`offset` `=` $offset attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def DSRT_PersistentOp : DSRT_Op<"persistent", [Pure]> {
  let summary = "a named buffer that outlives the step";
  let description = [{
    Parameters (loaded from the weights file), optimizer state (zero at the
    first step) and model inputs (filled before each step), by name. The
    buffer holds this rank's block: `split` names, per dimension, the mesh
    axis that splits it ("" where whole); `data_shape` is the global shape
    of the data the user supplies where the compiler padded it (the runtime
    zero-pads it to the global shape); `valid_range` the values an integer
    input may hold, `[lo, hi]` for lo <= v < hi or `[lo, hi, also]`
    (-ds-input-ranges), which the runtime checks as it reads the data.
    A parameter with `data_shape` is this rank's flat piece of it (ZeRO
    stage 3): `data_shape` is the whole parameter's shape in the weights
    file, and rank `r` holds elements `[r k, r k + k)` of it flattened
    (zeros past its end), `k` the buffer's size. State `in "nvme"` has no
    device memory: its bytes live in a swap file of the rank (`in "cpu"`:
    in host memory), zero at the first step, and only `reload` (into an
    arena buffer) reads it and `offload` (from one) writes it
    (-ds-offload). State with `copy_of` starts as a copy of that
    parameter's weights rather than zero (a master copy, -ds-host-updates);
    with `data_shape` it is this rank's flat piece of them, as a
    parameter's is.

    ```mlir
    %w = dsrt.persistent parameter "transformer.wte.weight" : memref<256x64xf32>
    %p = dsrt.persistent parameter "lm_head.bias" data_shape [256] : memref<64xf32>
    %t = dsrt.persistent input "tokens" split ["dp", "sp"] data_shape [4, 30]
        valid_range [0, 256] : memref<2x8xi64>
    %m = dsrt.persistent state "exp_avg.w" in "nvme" : memref<64x64xf32>
    %c = dsrt.persistent state "master.w" data_shape [64, 64] in "cpu"
        copy_of "w" : memref<2048xf32>
    ```

    **Constraints:**
    - `split` and an input's `data_shape`, where present, have one entry per
      dimension; an axis splits at most one dimension; `data_shape`
      entries are >= 0;
    - a parameter's or a copy's `data_shape` goes with a 1-D buffer and no
      `split`;
    - `copy_of` is on state, floating point;
    - `valid_range` is on an integer input: 2 or 3 entries, lo <= hi;
    - `space`, where present, is "cpu" or "nvme", on a parameter or state.
  }];
  let arguments = (ins DSRT_StorageKind:$kind, StrAttr:$name,
                   OptionalAttr<StrArrayAttr>:$split,
                   OptionalAttr<DenseI64ArrayAttr>:$data_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$valid_range,
                   OptionalAttr<StrAttr>:$space,
                   OptionalAttr<StrAttr>:$copy_of);
  let results = (outs DSRT_Buffer:$buffer);
  let assemblyFormat = [{
    $kind $name (`split` $split^)? (`data_shape` $data_shape^)?
    (`valid_range` $valid_range^)? (`in` $space^)? (`copy_of` $copy_of^)?
    attr-dict `:`
    type($buffer)
  }];
  let hasVerifier = 1;
}

def DSRT_ConstantOp : DSRT_Op<"constant", [Pure]> {
  let summary = "a read-only buffer with known contents";
  let description = [{
    ```mlir
    %c = dsrt.constant dense<1> : tensor<i64> : memref<i64>
    ```

    **Constraints:**
    - `value` has the buffer's shape and element type.
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs DSRT_Buffer:$buffer);
  let assemblyFormat = "$value attr-dict `:` type($buffer)";
  let hasVerifier = 1;
}

def DSRT_KernelOp : DSRT_Op<"kernel", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a kernel call writing into its output buffers";
  let description = [{
    Runs the kernel named `kernel` (a `ds` op name without the prefix, with
    that op's semantics) on the `inputs` and writes the `outputs`.
    `kernel_attrs` holds the `ds` op's attributes in the forms a plan holds:
    integers, floats, strings (enumerations by name), arrays of strings,
    `array<i64>`/`array<i32>`, symbol references and units. A kernel that
    communicates names the `dsrt.mesh` it runs over (`on @mesh`): that is
    what makes it a collective. `phase` says which part of the step the
    kernel belongs to (dsc::computePhases), for reports and schedules.
    `flops` and `bytes` (read plus written) are the `ds` op's cost
    (CostOpInterface), `matrix_units` says it runs at matrix-unit
    throughput, `recompute` that it recomputes a forward value for the
    backward (it came from a `ds.recompute` region): what the cost model
    and the report read; the runtime ignores them.

    ```mlir
    dsrt.kernel "matmul" (%a, %b) -> (%c) attrs {transpose_rhs} phase forward
        : (memref<2x8xf32>, memref<4x8xf32>) -> (memref<2x4xf32>)
    dsrt.kernel "all_reduce" on @mesh (%g) -> (%g) attrs {axes = ["dp"],
        reduction = "sum"} phase backward : (memref<64xf32>) -> (memref<64xf32>)
    ```

    **Constraints:**
    - `mesh`, where present, names a `dsrt.mesh`;
    - `kernel_attrs` holds builtin attributes only.
  }];
  let arguments = (ins StrAttr:$kernel, Variadic<DSRT_Buffer>:$inputs,
                   Variadic<DSRT_Buffer>:$outputs,
                   DefaultValuedAttr<DictionaryAttr, "{}">:$kernel_attrs,
                   OptionalAttr<FlatSymbolRefAttr>:$mesh,
                   OptionalAttr<DSRT_Phase>:$phase,
                   OptionalAttr<F64Attr>:$flops, OptionalAttr<F64Attr>:$bytes,
                   UnitAttr:$matrix_units, UnitAttr:$recompute);
  let assemblyFormat = [{
    $kernel (`on` $mesh^)? `(` $inputs `)` `->` `(` $outputs `)` `attrs`
    $kernel_attrs (`phase` $phase^)? attr-dict `:` `(` type($inputs) `)`
    `->` `(` type($outputs) `)`
  }];
  let extraClassDeclaration = [{
    /// Whether the kernel communicates over a mesh.
    bool isCollective() { return getMesh().has_value(); }
  }];
  let hasVerifier = 1;
}

def DSRT_LossOp : DSRT_Op<"loss"> {
  let summary = "marks the buffer holding the step's loss";
  let description = [{
    ```mlir
    dsrt.loss %l : memref<f32>
    ```
  }];
  let arguments = (ins DSRT_Buffer:$buffer);
  let assemblyFormat = "$buffer attr-dict `:` type($buffer)";
}

def DSRT_GradientOp : DSRT_Op<"gradient", [AllElementTypesMatch<["parameter", "gradient"]>]> {
  let summary = "marks the buffer holding a parameter's gradient";
  let description = [{
    The gradient is complete once the kernel writing `gradient` has run.
    Under ZeRO's stage 2 a rank holds only its flat piece of the gradient:
    the `k = ceil(numel / ranks)` elements from `rank * k` on of the
    flattened gradient, zeros past its end (ds-run gathers the pieces for
    `--dump-grads`).

    ```mlir
    dsrt.gradient %w, %dw : memref<64x64xf32>, memref<64x64xf32>
    dsrt.gradient %w, %piece : memref<64x64xf32>, memref<1024xf32>
    ```

    **Constraints:**
    - both buffers have one element type;
    - the gradient has the parameter's shape, or is one-dimensional and no
      larger than the parameter.
  }];
  let arguments = (ins DSRT_Buffer:$parameter, DSRT_Buffer:$gradient);
  let assemblyFormat =
      "$parameter `,` $gradient attr-dict `:` type($parameter) `,` type($gradient)";
  let hasVerifier = 1;
}

#endif // DSC_DIALECT_DSRT_IR_DSRTOPS_TD
