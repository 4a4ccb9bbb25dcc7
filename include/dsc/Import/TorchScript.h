//===- TorchScript.h - import TorchScript models ----------------*- C++ -*-===//
//
// The public entry point of the TorchScript front end. It does not expose
// LibTorch: only lib/Import/TorchScript includes LibTorch's JIT headers.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IMPORT_TORCHSCRIPT_H
#define DSC_IMPORT_TORCHSCRIPT_H

#include "dsc/Runtime/DType.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace dsc::rt {
class SafeTensorsWriter;
} // namespace dsc::rt

namespace dsc {

/// The shape and dtype of one model input, in forward's argument order.
struct InputSpec {
  std::string name;
  std::vector<int64_t> shape;
  rt::DType dtype;
};

/// Parses `name=2x16xi64` (dims, then the element type: i64, i32, f32, ...).
llvm::Expected<InputSpec> parseInputSpec(llvm::StringRef text);

/// Parses the JSON that `kInputsExtraFile` holds.
llvm::Expected<std::vector<InputSpec>>
parseInputSpecsJson(llvm::StringRef json);

/// The name of the extra file in a TorchScript archive that records the
/// example inputs' names, shapes and dtypes (written by examples/dsc_save.py):
/// `{"inputs": [{"name": "tokens", "shape": [2, 16], "dtype": "I64"}, ...]}`.
inline constexpr const char *kInputsExtraFile = "dsc_inputs.json";

/// Imports the `forward` method of the TorchScript module saved at `path`
/// into a module holding `func.func @forward` in the `ds` dialect:
///
/// - arguments: the trainable parameters (attribute `ds.name` holds the
///   PyTorch name, `ds.trainable` marks them), then the model inputs (named
///   after the forward's arguments, `ds.input`);
/// - buffers are folded into `ds.constant`s;
/// - the single result is the scalar loss.
///
/// The inputs' shapes come from `inputs`, or when it is empty from the
/// archive's `kInputsExtraFile`. All parameters and buffers are added to
/// `weights` under their PyTorch names when it is non-null. Errors name the
/// file, the op and the Python source line that TorchScript recorded.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importTorchScript(mlir::MLIRContext &context, llvm::StringRef path,
                  llvm::ArrayRef<InputSpec> inputs,
                  rt::SafeTensorsWriter *weights);

/// Imports the program of the `torch.export.save` archive (`.pt2`) at
/// `path`: `torch.export.export(model, (input_ids, labels))` of a module
/// whose forward returns the loss, before or after `run_decompositions()`.
/// The function is built as by importTorchScript; the inputs' shapes come
/// from the program itself. Parameters keep their module names (tied
/// weights are one argument); parameters and persistent buffers go to
/// `weights` when it is non-null. Reads the archive in C++ (no Python).
/// Errors name the file, the op (`aten.xxx.default`) and the Python source
/// line from the node's stack trace.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importExportedProgram(mlir::MLIRContext &context, llvm::StringRef path,
                      rt::SafeTensorsWriter *weights);

/// Whether `path` is a zip archive holding a `torch.export` program
/// (`<name>/models/model.json`) rather than a TorchScript module.
bool isExportedProgram(llvm::StringRef path);

} // namespace dsc

#endif // DSC_IMPORT_TORCHSCRIPT_H
