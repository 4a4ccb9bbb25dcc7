//===- StepReport.h - what a compiled step costs, as JSON -------*- C++ -*-===//

#ifndef DSC_TARGET_STEPREPORT_H
#define DSC_TARGET_STEPREPORT_H

#include "dsc/Analysis/CostModel.h"
#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"
#include "dsc/Runtime/Plan.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace dsc {

/// The report of the `dsrt` step `@step` of `module`, emitted as `plan`:
/// planned arena bytes (the peak), persistent bytes by kind, instruction
/// counts by kernel, the mesh, and every collective (a kernel that runs on
/// a mesh) with its phase (as the IR records it) and the bytes it moves per
/// step on each rank (docs/collectives.md). Fails, with a diagnostic, when
/// the plan's instructions are not the step's kernels.
/// `file:line` of the first file location in `loc`, or "".
std::string sourceLine(mlir::Location loc);

/// The dsrt.kernel ops of the lowered step, one per plan instruction.
mlir::FailureOr<llvm::SmallVector<mlir::dsrt::KernelOp>>
stepKernels(mlir::ModuleOp module, const rt::Plan &plan);

/// An instruction's planned time on some hardware.
struct InstructionTime {
  double seconds = 0;
  bool computeBound = false;
  bool collective = false;
};

/// The planned time of every instruction: the roofline of the kernel's
/// cost (its flops, bytes and matrix_units), or a collective's latency
/// plus the bytes over its busiest link at the link's bandwidth.
std::vector<InstructionTime>
estimateTimes(const rt::Plan &plan,
              llvm::ArrayRef<mlir::dsrt::KernelOp> kernels,
              const Hardware &hardware);

/// The report ds-compile --report writes (docs: README, "The report").
mlir::FailureOr<llvm::json::Value> reportStep(mlir::ModuleOp module,
                                              const rt::Plan &plan,
                                              const Hardware &hardware);

/// A Chrome/Perfetto trace of the planned schedule on `hardware`: one
/// slice per instruction (compute and collectives on their own tracks,
/// back to back, in plan order) and a counter of the bytes live (arena
/// plus what is allocated once).
mlir::FailureOr<llvm::json::Value> traceStep(mlir::ModuleOp module,
                                             const rt::Plan &plan,
                                             const Hardware &hardware);

} // namespace dsc

#endif // DSC_TARGET_STEPREPORT_H
