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
include "mlir/Interfaces/SideEffectInterfaces.td"

def DSRT_Dialect : Dialect {
  let name = "dsrt";
  let cppNamespace = "::mlir::dsrt";
  let summary = "Buffer-level runtime ops: placed buffers and kernel calls";
  let description = [{
    A `dsrt` step is a `func.func` with no arguments whose body declares
    buffers and calls kernels in execution order. The function carries
    `dsrt.arena_bytes` (the planned peak of the arena) and
    `dsrt.arena_alignment`.
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
    first step) and model inputs (filled before each step), by name.

    ```mlir
    %w = dsrt.persistent parameter "transformer.wte.weight" : memref<256x64xf32>
    ```
  }];
  let arguments = (ins DSRT_StorageKind:$kind, StrAttr:$name);
  let results = (outs DSRT_Buffer:$buffer);
  let assemblyFormat = "$kind $name attr-dict `:` type($buffer)";
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

def DSRT_KernelOp : DSRT_Op<"kernel", [AttrSizedOperandSegments]> {
  let summary = "a kernel call writing into its output buffers";
  let description = [{
    Runs the kernel named `kernel` (a `ds` op name without the prefix, with
    that op's semantics) on the `inputs` and writes the `outputs`.
    `kernel_attrs` holds the `ds` op's attributes.

    ```mlir
    dsrt.kernel "matmul" (%a, %b) -> (%c) attrs {transpose_rhs}
        : (memref<2x8xf32>, memref<4x8xf32>) -> (memref<2x4xf32>)
    ```
  }];
  let arguments = (ins StrAttr:$kernel, Variadic<DSRT_Buffer>:$inputs,
                   Variadic<DSRT_Buffer>:$outputs,
                   DefaultValuedAttr<DictionaryAttr, "{}">:$kernel_attrs);
  let assemblyFormat = [{
    $kernel `(` $inputs `)` `->` `(` $outputs `)` `attrs` $kernel_attrs
    attr-dict `:` `(` type($inputs) `)` `->` `(` type($outputs) `)`
  }];
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

def DSRT_GradientOp : DSRT_Op<"gradient", [AllTypesMatch<["parameter", "gradient"]>]> {
  let summary = "marks the buffer holding a parameter's gradient";
  let description = [{
    The gradient is complete once the kernel writing `gradient` has run.

    ```mlir
    dsrt.gradient %w, %dw : memref<64x64xf32>
    ```

    **Constraints:**
    - both buffers have one type.
  }];
  let arguments = (ins DSRT_Buffer:$parameter, DSRT_Buffer:$gradient);
  let assemblyFormat =
      "$parameter `,` $gradient attr-dict `:` type($parameter)";
}

#endif // DSC_DIALECT_DSRT_IR_DSRTOPS_TD
