//===- Pipelines.cpp - dsc pass pipelines and their registration ----------===//

#include "dsc/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void dsc::addImportCleanupPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createRecognizeAttentionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void dsc::registerAllPassesAndPipelines() {
  registerDSCPasses();
  PassPipelineRegistration<>(
      "ds-import-cleanup",
      "The clean-up ds-import runs: canonicalize, recognise attention, "
      "canonicalize, CSE",
      [](OpPassManager &pm) { addImportCleanupPipeline(pm); });
}
