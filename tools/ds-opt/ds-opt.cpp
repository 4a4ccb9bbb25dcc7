//===- ds-opt.cpp - mlir-opt for the dsc dialects -------------------------===//
//
// Parses, verifies and transforms IR of the dsc dialects with any dsc pass or
// pipeline and the upstream passes that help (canonicalize, cse, inline,
// symbol-dce). The output (-o) replaces what is there only when everything
// succeeded (dsc::rt::OutputFile), unlike mlir-opt's.
//
//===----------------------------------------------------------------------===//

#include "dsc/Conversion/Passes.h"
#include "dsc/Dialect/DS/IR/DSDialect.h"
#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"
#include "dsc/Pipelines/TrainingPipeline.h"
#include "dsc/Transforms/Passes.h"

#include "dsc/Runtime/AtomicFile.h"
#include "dsc/Runtime/BoundedNesting.h"
#include "dsc/Tools/CommandLine.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerInlinerPass();
  mlir::registerSymbolDCEPass();
  dsc::registerAllPassesAndPipelines();
  dsc::registerDSCConversionPasses();
  dsc::registerTrainingPipeline();

  // An error names its op's location, not the op: a pass that rejects a
  // module would print the whole model after its message (MLIR's default).
  // --mlir-print-op-on-diagnostic on the command line still turns it on.
  std::vector<char *> args(argv, argv + argc);
  static char quiet[] = "--mlir-print-op-on-diagnostic=false";
  if (llvm::none_of(args, [](const char *arg) {
        return llvm::StringRef(arg).ltrim('-').starts_with(
            "mlir-print-op-on-diagnostic");
      }))
    args.insert(args.begin() + 1, quiet);
  argc = static_cast<int>(args.size());
  argv = args.data();

  mlir::DialectRegistry registry;
  registry.insert<mlir::ds::DSDialect, mlir::dsrt::DSRTDialect,
                  mlir::func::FuncDialect>();
  // MLIR's own options (none begins with "h") are registered as it parses.
  if (!dsc::refuseGroupedHelp(argc, argv))
    return 1;
  auto [inputPath, outputPath] = mlir::registerAndParseCLIOptions(
      argc, argv, "dsc optimizer driver: the ds dialects and passes\n",
      registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  // Listings print and exit: mlir-opt's driver does them.
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, inputPath, outputPath, registry));

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputPath, &error);
  if (!input) {
    llvm::WithColor::error(llvm::errs(), "ds-opt") << error << "\n";
    return EXIT_FAILURE;
  }
  // MLIR's parser recurses per nesting level: refuse what would overflow it.
  if (llvm::Error e =
          dsc::checkNesting(input->getBufferIdentifier(), input->getBuffer())) {
    llvm::WithColor::error(llvm::errs(), "ds-opt")
        << llvm::toString(std::move(e)) << "\n";
    return EXIT_FAILURE;
  }
  llvm::Expected<dsc::rt::OutputFile> output =
      dsc::rt::OutputFile::open(outputPath);
  if (!output) {
    llvm::WithColor::error(llvm::errs(), "ds-opt")
        << llvm::toString(output.takeError()) << "\n";
    return EXIT_FAILURE;
  }
  if (failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return EXIT_FAILURE;
  if (llvm::Error e = output->commit()) {
    llvm::WithColor::error(llvm::errs(), "ds-opt")
        << llvm::toString(std::move(e)) << "\n";
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
