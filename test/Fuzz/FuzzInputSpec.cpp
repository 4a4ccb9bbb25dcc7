//===- FuzzInputSpec.cpp - fuzz the input shape readers -------------------===//
//
// ds-import's `--input NAME=2x16xi64` and the `dsc_inputs.json` that
// examples/dsc_save.py stores in a TorchScript archive.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "dsc/Import/TorchScript.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto spec = dsc::parseInputSpec(text);
  dsc::fuzz::ignore(spec);
  auto specs = dsc::parseInputSpecsJson(text);
  dsc::fuzz::ignore(specs);
  return 0;
}
