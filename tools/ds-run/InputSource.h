//===- InputSource.h - what ds-run feeds each step --------------*- C++ -*-===//
//
// The inputs of every step: the same safetensors batch (--inputs), or
// windows of a token file (--data with --batch). Both hold the global
// batch; the executor (--inputs) or the source (--data) gives each rank its
// block.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOOLS_DS_RUN_INPUTSOURCE_H
#define DSC_TOOLS_DS_RUN_INPUTSOURCE_H

#include "dsc/Runtime/Executor.h"
#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/SafeTensors.h"
#include "dsc/Runtime/TokenData.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <vector>

namespace dsc::rt {

class InputSource {
public:
  /// The source `plan` reads: `inputsPath` or `dataPath` (with
  /// `batchSize`), at most one of them, or neither when the plan has no
  /// inputs.
  static llvm::Expected<InputSource> create(const Plan &plan,
                                            llvm::StringRef inputsPath,
                                            llvm::StringRef dataPath,
                                            int64_t batchSize);

  /// Sets the executor's inputs for step `step` (0-based).
  llvm::Error fill(Executor &executor, uint64_t step);

private:
  std::optional<SafeTensorsFile> inputs;
  std::optional<TokenFile> tokens;
  TokenInputs tokenInputs;
  std::vector<uint8_t> tokenBytes, labelBytes, block;
};

} // namespace dsc::rt

#endif // DSC_TOOLS_DS_RUN_INPUTSOURCE_H
