//===- FuzzTorchScript.cpp - fuzz the TorchScript importer ----------------===//
//
// ds-import on a TorchScript archive: the zip's checksums, LibTorch's loader
// (for archives whose checksums hold), dsc_inputs.json and the graph import.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "dsc/Import/TorchScript.h"
#include "dsc/Runtime/SafeTensors.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dsc::fuzz::InputFile input(data, size, "pt");
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  dsc::rt::SafeTensorsWriter weights;
  auto module = dsc::importTorchScript(context, input.getPath(), {}, &weights);
  if (!module) {
    llvm::consumeError(module.takeError());
    return 0;
  }
  (void)mlir::verify(**module);
  return 0;
}
