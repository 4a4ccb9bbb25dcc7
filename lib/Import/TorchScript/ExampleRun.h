//===- ExampleRun.h - running a node on shape-only examples -----*- C++ -*-===//
//
// The importer runs every node on example values to learn the shapes and
// dtypes of its results and to fold what depends only on constants. The
// parameters and the model inputs enter as meta tensors (shape, dtype and
// strides, no data), so everything computed from them is too: an import
// holds the weights and the constants, not a forward pass's activations (a
// 124M GPT-2 at 4 x 2048 tokens held gigabytes of them).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_IMPORT_TORCHSCRIPT_EXAMPLERUN_H
#define DSC_LIB_IMPORT_TORCHSCRIPT_EXAMPLERUN_H

#include <ATen/core/stack.h>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace torch::jit {
struct Node;
struct Value;
} // namespace torch::jit

namespace dsc::ts {

/// A meta tensor with the sizes, strides, storage offset and dtype of
/// `tensor`: the example value of a parameter or a model input.
at::Tensor shapeOnly(const at::Tensor &tensor);

/// Runs `run` on `inputs` and returns its results. Inputs without meta
/// tensors run as given. With meta tensors among them, the op runs on
/// meta tensors throughout (constants copied to meta), else as given
/// (meta kernels that take CPU constants, as a boolean index), else on
/// zero-filled CPU tensors in place of the meta ones (ops without a meta
/// kernel); a result that views one of those becomes the same view of the
/// meta tensor, so aliasing stays PyTorch's. A result that would view a
/// constant's meta copy is never returned (the in-place checks must see
/// the constant). Errors of the last attempt propagate. With `onZeros` the
/// op runs on zeros at once: for an op whose meta path in LibTorch's C++ is
/// a composite that computes another dtype than its CPU kernel.
torch::jit::Stack
runOnExamples(llvm::function_ref<void(torch::jit::Stack &)> run,
              const torch::jit::Stack &inputs, bool onZeros = false);

/// Whether `node`'s meta path in LibTorch's C++ computes another dtype than
/// its CPU kernel on `inputs` (run it on zeros then): a layer_norm of a
/// half or bfloat16 input with float32 weights (autocast keeps LayerNorm's
/// parameters in float32), whose CPU kernel returns the input's type and
/// whose composite meta path float32.
bool metaDisagrees(const torch::jit::Node *node,
                   const torch::jit::Stack &inputs);

class ImporterState;

/// `example`, the example run's value of `output`, checked against the
/// dtype and sizes a program records for it (none from TorchScript); a
/// mismatch stops the import naming the current node's op.
c10::IValue asRecorded(const ImporterState &state,
                       const torch::jit::Value *output, c10::IValue example);

} // namespace dsc::ts

#endif // DSC_LIB_IMPORT_TORCHSCRIPT_EXAMPLERUN_H
