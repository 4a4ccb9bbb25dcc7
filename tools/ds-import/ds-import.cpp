//===- ds-import.cpp - TorchScript model to ds IR and safetensors ---------===//
//
//   ds-import model.pt -o model.mlir --weights-out model.safetensors
//
// Imports the model's forward loss function, runs the import clean-up
// pipeline (canonicalisation and attention recognition) unless --raw is
// given, and writes both files atomically: on any error neither is left
// behind.
//
//===----------------------------------------------------------------------===//

#include "dsc/Import/TorchScript.h"
#include "dsc/Runtime/SafeTensors.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

static cl::OptionCategory category("ds-import options");
static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.pt>"),
                                      cl::cat(category));
static cl::opt<std::string>
    outputPath("o", cl::desc("Output MLIR file (default: stdout)"),
               cl::value_desc("model.mlir"), cl::init("-"), cl::cat(category));
static cl::opt<std::string> weightsPath(
    "weights-out",
    cl::desc("Write all parameters and buffers, named as in PyTorch, to this "
             "safetensors file"),
    cl::value_desc("model.safetensors"), cl::cat(category));
static cl::list<std::string> inputSpecs(
    "input",
    cl::desc("Shape and element type of a model input, in forward's order, "
             "e.g. --input tokens=2x16xi64 (default: what examples/"
             "dsc_save.py recorded in the archive)"),
    cl::value_desc("NAME=DIMSxTYPE"), cl::cat(category));
static cl::opt<bool>
    raw("raw",
        cl::desc("Skip the import clean-up pipeline (canonicalize, "
                 "-ds-recognize-attention); print the graph as imported"),
        cl::cat(category));

static int fail(const Twine &message) {
  WithColor::error(errs(), "ds-import") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "ds-import: TorchScript model (torch.jit.trace of a module whose "
      "forward returns the loss) to the ds dialect\n");

  std::vector<dsc::InputSpec> specs;
  for (const std::string &text : inputSpecs) {
    auto spec = dsc::parseInputSpec(text);
    if (!spec)
      return fail(toString(spec.takeError()));
    specs.push_back(std::move(*spec));
  }

  mlir::MLIRContext context;
  dsc::rt::SafeTensorsWriter weights;
  auto module = dsc::importTorchScript(
      context, inputPath, specs, weightsPath.empty() ? nullptr : &weights);
  if (!module)
    return fail(toString(module.takeError()));

  if (!raw) {
    mlir::PassManager pm(&context);
    dsc::addImportCleanupPipeline(pm);
    if (failed(pm.run(**module)))
      return fail("the import clean-up pipeline failed on " + inputPath);
  }

  std::string error;
  auto output = mlir::openOutputFile(outputPath, &error);
  if (!output)
    return fail(error);
  (*module)->print(output->os());
  output->os().flush();
  if (output->os().has_error())
    return fail("cannot write " + outputPath + ": " +
                output->os().error().message());
  if (!weightsPath.empty())
    if (Error e = weights.write(weightsPath))
      return fail(toString(std::move(e)));
  // ToolOutputFile deletes the output unless kept: keep it only now that
  // everything succeeded.
  output->keep();
  return 0;
}
