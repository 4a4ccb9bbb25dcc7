//===- Reports.h - what ds-run writes about a run ---------------*- C++ -*-===//
//
// --dump-loss's lines, --memory-report (what a run allocated next to what
// its plan predicts) and --calibrate's hardware description.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOOLS_DS_RUN_REPORTS_H
#define DSC_TOOLS_DS_RUN_REPORTS_H

#include "dsc/Runtime/AtomicFile.h"
#include "dsc/Runtime/Calibration.h"
#include "dsc/Runtime/Executor.h"

#include "llvm/Support/Error.h"

#include <string>

namespace dsc::rt {

/// Appends step `step`'s line to the --dump-loss log and flushes it: one
/// JSON object per line, {"step": N, "loss": L}, a non-finite loss null.
llvm::Error writeLossLine(OutputFile &log, unsigned step, double loss);

/// Writes what `exec` used next to what its plan predicts: the bytes
/// allocated once (equal by construction), the most ATen allocated outside
/// the arena during a step next to the kernels' planned workspace, the
/// peaks, and the kernels that allocated most; the workspace planned for
/// the `threads` ATen ran with.
llvm::Error writeMemoryReport(llvm::StringRef path, const Executor &exec,
                              unsigned threads);

/// Writes the mean time of each instruction over the steps `exec` ran:
/// {"steps", "step_seconds", "instructions": [{"instruction", "kernel",
/// "seconds"}]}, in plan order; with a swap space also "swap":
/// {"transfers_per_step", "complete_at_wait_per_step", "wait_seconds"}.
llvm::Error writeProfile(llvm::StringRef path, const Executor &exec);

/// The hardware description (dsc/Analysis/CostModel.h's JSON) of what was
/// measured. The link is not measured: a local Gloo all-reduce's typical
/// numbers stand in.
std::string hardwareDescription(const Calibration &measured);

} // namespace dsc::rt

#endif // DSC_TOOLS_DS_RUN_REPORTS_H
