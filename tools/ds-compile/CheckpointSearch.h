//===- CheckpointSearch.h - ds-compile --ac auto ----------------*- C++ -*-===//
//
// Chooses an activation checkpointing policy per layer so that the step's
// memory per rank fits a budget at the least predicted recompute time. A
// per-layer model fitted from three compiles prices every candidate; the
// one chosen is never judged by the model alone: it is checkpointed, lowered
// and placed by the same passes as the final compile, so the bytes it is
// accepted by are the bytes ds-run allocates.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOOLS_DS_COMPILE_CHECKPOINTSEARCH_H
#define DSC_TOOLS_DS_COMPILE_CHECKPOINTSEARCH_H

#include "dsc/Analysis/CostModel.h"
#include "dsc/Pipelines/TrainingPipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dsc {

struct CheckpointChoice {
  /// A policy per layer, as ds-activation-checkpoint's `layers` takes it.
  std::vector<std::string> layers;
  /// What the step takes per rank (PlanMemory's plannedBytes: the arena,
  /// everything allocated once and the kernels' largest temporaries).
  uint64_t plannedBytes = 0;
  /// The predicted time of the recomputed kernels on the hardware.
  double recomputeSeconds = 0;
  /// Candidates compiled to find it.
  unsigned candidates = 0;
};

/// `step` is the training step after addStepPipeline (not modified);
/// candidates are lowered as the final compile will be (addLoweringPipeline
/// with `lowering`, its ac aside). Fails with the smallest memory any
/// candidate reached when none fits.
llvm::Expected<CheckpointChoice>
chooseCheckpointing(mlir::ModuleOp step, uint64_t budget,
                    const Hardware &hardware,
                    const TrainingPipelineOptions &lowering);

/// Parses a byte count: digits with an optional fraction and unit (B, KB,
/// MB, GB, TB in powers of 1000; KiB, MiB, GiB, TiB in powers of 1024).
std::optional<uint64_t> parseByteSize(llvm::StringRef text);

} // namespace dsc

#endif // DSC_TOOLS_DS_COMPILE_CHECKPOINTSEARCH_H
