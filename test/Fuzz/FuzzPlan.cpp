//===- FuzzPlan.cpp - fuzz the plan loader --------------------------------===//
//
// ds-run's whole view of a compiled step: decodePlan checks the header,
// checksum, structure, data flow and hyperparameters; what it accepts must
// be safe to list and to look up token inputs in.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/TokenData.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<dsc::rt::Plan> plan = dsc::rt::decodePlan(bytes, "fuzz.plan");
  if (!plan) {
    llvm::consumeError(plan.takeError());
    return 0;
  }
  (void)dsc::rt::dumpPlan(*plan);
  llvm::Expected<dsc::rt::TokenInputs> inputs = dsc::rt::findTokenInputs(*plan);
  dsc::fuzz::ignore(inputs);
  return 0;
}
