//===- Flags.h - ds-compile's command line ----------------------*- C++ -*-===//
//
// ds-compile's flags (Flags.cpp declares and documents each), parsed and
// checked: what the compile itself reads from them.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOOLS_DS_COMPILE_FLAGS_H
#define DSC_TOOLS_DS_COMPILE_FLAGS_H

#include "dsc/Pipelines/TrainingPipeline.h"

#include "llvm/ADT/Twine.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dsc::rt {
struct Plan;
} // namespace dsc::rt

namespace dsc::compile {

/// The command line once every flag and their combinations are checked.
struct CompileFlags {
  std::string input, output;
  /// Optional outputs (empty: not written).
  std::string dumpIr, report, trace;
  /// --hardware, and the device the plan runs on (--device, or cuda for a
  /// GPU preset).
  std::string hardware, device;
  std::optional<unsigned> kernelThreads;
  int64_t dp = 1, sp = 1, zeroStage = 0;
  /// --ac and --offload-activations.
  std::string ac, offloadActivations;
  /// --memory-budget and --host-memory-budget as given and in bytes.
  std::string memoryBudgetText, hostMemoryBudgetText;
  std::optional<uint64_t> memoryBudget, hostMemoryBudget;
};

/// Parses the command line and checks it; prints what is wrong and returns
/// nothing where something is.
std::optional<CompileFlags> parseFlags(int argc, char **argv);

/// The training pipeline's options, from the command line (`flags`, what
/// parseFlags made of it).
void setPipelineOptions(TrainingPipelineOptions &options,
                        const CompileFlags &flags);

/// Records the optimizer, clipping, schedule and ZeRO stage in the plan's
/// metadata.
void describeTraining(rt::Plan &plan);

/// Prints `message` as ds-compile's error; returns 1 (the exit status).
int fail(const llvm::Twine &message);

} // namespace dsc::compile

#endif // DSC_TOOLS_DS_COMPILE_FLAGS_H
