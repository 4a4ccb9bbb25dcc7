//===- Passes.td - dsc conversion passes -------------------*- tablegen -*-===//

#ifndef DSC_CONVERSION_PASSES_TD
#define DSC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerToRuntimePass : Pass<"ds-lower-to-runtime", "::mlir::ModuleOp"> {
  let summary = "Lower the ds training step to dsrt buffers and kernel calls";
  let description = [{
    Turns `func.func @train_step` (the output of `ds-autodiff`) into a
    `dsrt` step `func.func @step()`:
    - `ds.recompute` regions are inlined where they stand (their ops are
      kernels like any other);
    - arguments become `dsrt.persistent` buffers by their `ds.role`
      (parameter, state, input); `ds.constant`s become `dsrt.constant`s;
    - every other value gets an arena slot; a result returned with
      `ds.updates = "name"` is written in place into that persistent buffer
      when nothing reads the old value later; otherwise (and for a constant
      or another argument: a buffer the forward pass resets) it is computed
      in the arena and copied in (a `convert` kernel) at the end of the
      step, after every reader of the old value; a reshape of
      an arena value is a view of its slot, not a copy;
    - slots are placed by liveness (`planMemory`): values never live at the
      same instruction may share bytes; offsets are aligned to `alignment`;
    - each op becomes a `dsrt.kernel` named after it, in the original order;
    - the loss and each parameter's gradient are marked for the runtime;
    - what an update marked `beside N` (-ds-overlap-updates) reads and
      writes stays live until the N-th compute op after it, and its kernel
      carries `beside`: the runtime runs it beside the ops in between.
    The function gets `dsrt.arena_bytes` (the planned peak) and
    `dsrt.arena_alignment`.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "64",
           "Byte alignment of every arena slot (a power of two)">,
  ];
  let dependentDialects = ["::mlir::dsrt::DSRTDialect"];
}

#endif // DSC_CONVERSION_PASSES_TD
