//===- FuzzPlan.cpp - fuzz the plan loader --------------------------------===//
//
// ds-run's whole view of a compiled step: decodePlan checks the header,
// checksum, structure, data flow and hyperparameters; what it accepts must
// be safe to list and to look up token inputs in. Each input is decoded as
// it is and, so that mutations get past the checksum into the payload's
// decoder and validator, again with its header's size and checksum made
// to match its payload (the layout of lib/Runtime/plan/PlanFile.cpp).
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/TokenData.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/xxhash.h"

#include <string>

namespace {

constexpr size_t kHeaderSize = 32;

void decode(llvm::StringRef bytes) {
  llvm::Expected<dsc::rt::Plan> plan = dsc::rt::decodePlan(bytes, "fuzz.plan");
  if (!plan) {
    llvm::consumeError(plan.takeError());
    return;
  }
  (void)dsc::rt::dumpPlan(*plan);
  llvm::Expected<dsc::rt::TokenInputs> inputs = dsc::rt::findTokenInputs(*plan);
  dsc::fuzz::ignore(inputs);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  decode(bytes);
  if (size < kHeaderSize)
    return 0;
  std::string repaired = bytes.str();
  llvm::StringRef payload = bytes.drop_front(kHeaderSize);
  llvm::support::endian::write64le(&repaired[16], payload.size());
  llvm::support::endian::write64le(&repaired[24], llvm::xxh3_64bits(payload));
  decode(repaired);
  return 0;
}
