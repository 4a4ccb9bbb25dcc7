//===- ds-opt.cpp - mlir-opt for the dsc dialects -------------------------===//
//
// Parses, verifies and transforms IR of the dsc dialects with any dsc pass or
// pipeline and the upstream passes that help (canonicalize, cse, inline,
// symbol-dce).
//
//===----------------------------------------------------------------------===//

#include "dsc/Conversion/Passes.h"
#include "dsc/Dialect/DS/IR/DSDialect.h"
#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"
#include "dsc/Pipelines/TrainingPipeline.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerInlinerPass();
  mlir::registerSymbolDCEPass();
  dsc::registerAllPassesAndPipelines();
  dsc::registerDSCConversionPasses();
  dsc::registerTrainingPipeline();

  mlir::DialectRegistry registry;
  registry.insert<mlir::ds::DSDialect, mlir::dsrt::DSRTDialect,
                  mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "dsc optimizer driver: the ds dialects and passes\n",
      registry));
}
