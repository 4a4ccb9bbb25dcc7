//===- FuzzExportedProgram.cpp - fuzz the torch.export (.pt2) reader ------===//
//
// ds-import on a `torch.export.save` archive: the zip and its checksums, the
// program's JSON, the weights and the graph import, all in dsc's own C++.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "dsc/Import/TorchScript.h"
#include "dsc/Runtime/SafeTensors.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dsc::fuzz::InputFile input(data, size, "pt2");
  (void)dsc::isExportedProgram(input.getPath());
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  dsc::rt::SafeTensorsWriter weights;
  auto module = dsc::importExportedProgram(context, input.getPath(), &weights);
  if (!module) {
    llvm::consumeError(module.takeError());
    return 0;
  }
  (void)mlir::verify(**module);
  return 0;
}
