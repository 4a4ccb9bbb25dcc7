//===- ds-import.cpp - PyTorch model to ds IR and safetensors -------------===//
//
//   ds-import model.pt2 -o model.mlir --weights-out model.safetensors
//
// Reads a torch.export archive (`torch.export.save`, .pt2) or a TorchScript
// module (`torch.jit.trace(...).save()`, .pt), told apart by their content.
// Imports the model's forward loss function, runs the import clean-up
// pipeline (canonicalisation and attention recognition) unless --raw is
// given, and writes both files atomically: on any error neither is left
// behind.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Import/TorchScript.h"
#include "dsc/Runtime/AtomicFile.h"
#include "dsc/Runtime/SafeTensors.h"
#include "dsc/Tools/CommandLine.h"
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
                                      cl::desc("<model.pt2 | model.pt>"),
                                      cl::cat(category));
static cl::opt<std::string>
    outputPath("o", cl::desc("Output MLIR file (default: stdout)"),
               cl::value_desc("model.mlir"), cl::init("-"), cl::cat(category));
static cl::opt<std::string> weightsPath(
    "weights-out",
    cl::desc("Write all parameters and buffers (but complex ones), named as "
             "in PyTorch, to this safetensors file"),
    cl::value_desc("model.safetensors"), cl::cat(category));
static cl::list<std::string> inputSpecs(
    "input",
    cl::desc("Shape and element type of a model input, in forward's order, "
             "e.g. --input tokens=2x16xi64 (TorchScript only; default: what "
             "examples/dsc_save.py recorded in the archive. A .pt2 program "
             "records its own shapes)"),
    cl::value_desc("NAME=DIMSxTYPE"), cl::cat(category));
static cl::opt<bool>
    raw("raw",
        cl::desc("Skip the import clean-up pipeline (canonicalize, "
                 "-ds-recognize-attention); print the graph as imported"),
        cl::cat(category));

static cl::opt<int64_t> dropoutSeed(
    "dropout-seed",
    cl::desc("Seed of the masks that the model's dropouts draw in training "
             "and of its other random numbers (torch.rand, bernoulli; "
             "docs/dropout.md); the same seed draws the same numbers, on any "
             "number of ranks (default 0)"),
    cl::value_desc("N"), cl::init(0), cl::cat(category));

static int fail(const Twine &message) {
  WithColor::error(errs(), "ds-import") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  dsc::parseCommandLine(
      argc, argv,
      "ds-import: a PyTorch model whose forward returns the loss to the ds "
      "dialect: a torch.export.save archive (.pt2) or a TorchScript module "
      "(torch.jit.trace(...).save(), .pt)\n");

  std::vector<dsc::InputSpec> specs;
  for (const std::string &text : inputSpecs) {
    auto spec = dsc::parseInputSpec(text);
    if (!spec)
      return fail(toString(spec.takeError()));
    specs.push_back(std::move(*spec));
  }

  if (dropoutSeed < 0)
    return fail("--dropout-seed must not be negative");

  // The outputs, opened before any work: a path that cannot be written is
  // reported now, and what is there stays whole unless everything succeeds.
  Expected<dsc::rt::OutputFile> modelOut =
      dsc::rt::OutputFile::open(outputPath);
  if (!modelOut)
    return fail(toString(modelOut.takeError()));
  std::optional<dsc::rt::OutputFile> weightsFile;
  if (!weightsPath.empty()) {
    Expected<dsc::rt::OutputFile> out = dsc::rt::OutputFile::open(weightsPath);
    if (!out)
      return fail(toString(out.takeError()));
    weightsFile = std::move(*out);
  }

  mlir::MLIRContext context;
  dsc::rt::SafeTensorsWriter weights;
  dsc::rt::SafeTensorsWriter *weightsOut =
      weightsPath.empty() ? nullptr : &weights;
  // A .pt2 that LibTorch cannot open is reported as an archive, not as a
  // TorchScript file.
  bool exported = dsc::isExportedProgram(inputPath) ||
                  StringRef(inputPath).ends_with(".pt2");
  if (exported && !specs.empty())
    return fail(inputPath + ": --input is for TorchScript files; a "
                            "torch.export program records its inputs' shapes");
  auto module =
      exported ? dsc::importExportedProgram(context, inputPath, weightsOut)
               : dsc::importTorchScript(context, inputPath, specs, weightsOut);
  if (!module)
    return fail(toString(module.takeError()));

  (*module)->walk([](mlir::Operation *op) {
    auto seed = static_cast<uint64_t>(dropoutSeed.getValue());
    if (auto mask = dyn_cast<mlir::ds::DropoutMaskOp>(op))
      mask.setSeed(seed);
    else if (auto uniform = dyn_cast<mlir::ds::UniformOp>(op))
      uniform.setSeed(seed);
  });

  if (!raw) {
    mlir::PassManager pm(&context);
    dsc::addImportCleanupPipeline(pm);
    if (failed(pm.run(**module)))
      return fail("the import clean-up pipeline failed on " + inputPath);
  }

  (*module)->print(modelOut->os());
  if (weightsFile)
    if (Error e = weights.writeTo(*weightsFile))
      return fail(toString(std::move(e)));
  // Both files replace what was there only now that both are written.
  if (weightsFile)
    if (Error e = weightsFile->commit())
      return fail(toString(std::move(e)));
  if (Error e = modelOut->commit())
    return fail(toString(std::move(e)));
  return 0;
}
