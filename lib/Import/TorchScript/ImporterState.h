//===- ImporterState.h - the TorchScript importer's state -------*- C++ -*-===//
//
// Internal to lib/Import/TorchScript: the only header of dsc that includes
// LibTorch. Files including it are compiled with exceptions on.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_IMPORT_TORCHSCRIPT_IMPORTERSTATE_H
#define DSC_LIB_IMPORT_TORCHSCRIPT_IMPORTERSTATE_H

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringMap.h"

#include <torch/script.h>

#include <memory>
#include <variant>
#include <vector>

namespace dsc::ts {

struct Imported;
using ImportedList = std::vector<Imported>;

/// A complex tensor computed in the step: `ds` has no complex types, so the
/// importer carries it as its real and imaginary parts, two real tensors of
/// its shape (ComplexConversions.cpp).
struct ComplexPair {
  mlir::Value real, imag;
};

/// What a TorchScript value became: an SSA tensor in the `ds` function, a
/// compile-time constant (numbers, lists of numbers, strings, None, modules,
/// buffers and tensors folded at import), a list or tuple mixing both, or a
/// complex tensor as a pair of SSA tensors.
struct Imported {
  std::variant<mlir::Value, c10::IValue, std::shared_ptr<ImportedList>,
               ComplexPair>
      value;

  bool isTensor() const { return std::holds_alternative<mlir::Value>(value); }
  bool isConstant() const { return std::holds_alternative<c10::IValue>(value); }
  bool isList() const {
    return std::holds_alternative<std::shared_ptr<ImportedList>>(value);
  }
  mlir::Value tensor() const { return std::get<mlir::Value>(value); }
  const c10::IValue &constant() const { return std::get<c10::IValue>(value); }
  const ImportedList &list() const {
    return *std::get<std::shared_ptr<ImportedList>>(value);
  }
  bool isComplex() const { return std::holds_alternative<ComplexPair>(value); }
  const ComplexPair &complex() const { return std::get<ComplexPair>(value); }
  /// Whether this is complex: a pair, or a complex constant tensor.
  bool isComplexTensor() const {
    return isComplex() || (isConstant() && constant().isTensor() &&
                           constant().toTensor().is_complex());
  }
};

/// An error to report at a node: the importer throws it and the entry point
/// turns it into an llvm::Error with the node's Python source line.
struct ImportError {
  std::string message;
};

/// The importer's state while it walks one graph.
class ImporterState {
public:
  ImporterState(mlir::OpBuilder &builder, std::string modelPath)
      : builder(builder), modelPath(std::move(modelPath)) {}

  mlir::OpBuilder &builder;
  std::string modelPath;
  /// The node being converted; its location is where ops are built.
  const torch::jit::Node *node = nullptr;
  mlir::Location loc = builder.getUnknownLoc();
  /// The Python source line of `node`, for messages.
  std::string where;
  /// Whether ops are named as torch.export names them (`aten.pad.default`)
  /// rather than as TorchScript does (`aten::pad`).
  bool exportNames = false;

  /// The current node's op, for messages.
  std::string opName() const;

  llvm::DenseMap<const torch::jit::Value *, Imported> values;
  /// Every value's result on example inputs. TorchScript files do not keep
  /// the shapes that tracing saw, so the importer runs each node on example
  /// tensors as it converts it and reads shapes and dtypes off the results.
  llvm::DenseMap<const torch::jit::Value *, c10::IValue> shadow;
  /// Parameters by tensor identity: tied weights share one argument.
  llvm::DenseMap<const c10::TensorImpl *, mlir::Value> parameters;
  /// The tensors that outlive a step: the module's parameters and buffers
  /// and the example inputs. No in-place op may write to their memory.
  std::vector<at::Tensor> persistent;
  /// The example values of the parameters and model inputs: meta tensors
  /// (ExampleRun.h), one per tensor, in `persistent` too.
  llvm::DenseMap<const c10::TensorImpl *, at::Tensor> examples;
  /// The example value of the parameter or model input `tensor`.
  const at::Tensor &exampleOf(const at::Tensor &tensor);
  /// A buffer the step writes in place (BatchNorm's running statistics, a
  /// counter a module increments): step-carried state, an argument of
  /// `@forward` like a frozen parameter, whose value after the step
  /// `@forward` returns with `ds.updates` naming it. Its value so far is
  /// `parameters[tensor]`.
  struct StateBuffer {
    std::string name;
    const c10::TensorImpl *tensor;
    mlir::Value initial;
  };
  /// The state buffers, by their example tensor (what in-place nodes see).
  llvm::MapVector<const c10::TensorImpl *, StateBuffer> stateBuffers;

  /// The training step that random draws read (ds.dropout_mask,
  /// ds.uniform): a state buffer named `kDropoutStepName`, an int64 0 in the
  /// weights, that `@forward` increments once, at its top, the first time a
  /// draw asks for it. Draws are numbered (`nextDropoutStream`) in the
  /// order the program makes them.
  mlir::Value dropoutStep();
  static constexpr const char *kDropoutStepName = "dsc.dropout_step";
  /// The step buffer's tensor once a dropout made it (for the weights).
  at::Tensor dropoutStepTensor;
  int64_t nextDropoutStream = 0;

  /// The imported form of `value`; throws if it was never defined.
  const Imported &lookup(const torch::jit::Value *value) const;
  /// The `i`-th input of the current node as an SSA tensor, materialising
  /// constants as `ds.constant`. Stops the import on a complex tensor: only
  /// the conversions of ComplexConversions.cpp take those.
  mlir::Value tensorInput(size_t i);
  mlir::Value asTensor(const Imported &imported);
  /// The `i`-th input as an SSA tensor of element type `type`: constants
  /// are converted by LibTorch, SSA tensors by `ds.convert`.
  mlir::Value tensorInputAs(size_t i, c10::ScalarType type);
  /// The element type of the `i`-th output, from its example result.
  c10::ScalarType outputScalarType(size_t i = 0) const;
  /// The `i`-th input of the current node as a compile-time constant.
  const c10::IValue &constantInput(size_t i) const;
  bool hasConstantInput(size_t i) const {
    return lookup(node->inputs()[i]).isConstant();
  }
  int64_t intInput(size_t i) const;
  bool boolInput(size_t i) const;
  double doubleInput(size_t i) const;
  std::vector<int64_t> intListInput(size_t i) const;

  /// A `ds.constant` holding `tensor` (contiguous CPU data).
  mlir::Value materialize(const at::Tensor &tensor);
  /// The example result of `value`; throws if it was never computed.
  const c10::IValue &shadowOf(const torch::jit::Value *value) const;
  /// The dtype of the `i`-th input's example tensor, if it is a tensor.
  std::optional<c10::ScalarType> inputScalarType(size_t i) const;
  /// The static type of the `i`-th output, from its example result.
  mlir::RankedTensorType outputType(size_t i = 0) const;
  mlir::Type elementType(c10::ScalarType type) const;
  /// Converts `value` to `elementType` when it differs.
  mlir::Value convertTo(mlir::Value value, mlir::Type elementType);
  /// Normalises a possibly negative dimension for a tensor of `rank`.
  int64_t normalizeDim(int64_t dim, int64_t rank) const;

  void bindOutput(size_t i, Imported imported);
  void bindOutput(size_t i, mlir::Value value) {
    bindOutput(i, Imported{value});
  }

  /// Stops the import with `message`, naming the Python source line.
  [[noreturn]] void fail(const llvm::Twine &message) const {
    throw ImportError{message.str() + " at " + where + " (in " + modelPath +
                      ")"};
  }
};

/// A tensor under its PyTorch name (`layers.0.attn.q_proj.weight`).
struct NamedTensor {
  std::string name;
  at::Tensor tensor;
};

/// What one input of a graph to import is bound to.
struct GraphInput {
  enum class Kind {
    /// A compile-time constant: a module object, a buffer, a lifted tensor.
    Constant,
    /// A parameter: `value` is one of the program's parameter tensors.
    Parameter,
    /// A model input: `value` is an example tensor of its shape and dtype.
    Input,
  };
  Kind kind;
  std::string name;
  c10::IValue value;
};

/// A program read from a `torch.export` archive (ExportedProgram.cpp), as a
/// TorchScript graph the importer walks like a traced one.
struct ImportedProgram {
  std::shared_ptr<torch::jit::Graph> graph;
  /// One entry per graph input, in order.
  std::vector<GraphInput> inputs;
  /// The parameters (a tied tensor once, under its first name).
  std::vector<NamedTensor> parameters;
  /// Parameters and persistent buffers, for the weights file.
  std::vector<NamedTensor> weights;
  /// The buffers that the graph's outputs after the first (the loss)
  /// replace, in order: a functionalised program's buffer mutations.
  std::vector<std::string> bufferUpdates;
};

/// Reads the `torch.export.save` archive at `path`; throws ImportError.
ImportedProgram readExportedProgram(const std::string &path);

/// The Python source line of `node` (`model.py:12`), for messages.
std::string describeLocation(const torch::jit::Node *node);

/// The Python source line of `node` as a location (`modelPath` when it
/// has none).
mlir::Location nodeLocation(mlir::MLIRContext *context,
                            const torch::jit::Node *node,
                            llvm::StringRef modelPath);

/// The graph of what PyTorch's CompositeImplicitAutograd kernel of an op
/// calls, traced on a node's example inputs; `tensorInputs` are the node's
/// inputs that are the graph's, in order (the others are constants of it).
struct Decomposition {
  std::shared_ptr<torch::jit::Graph> graph;
  std::vector<size_t> tensorInputs;
};

/// Registers meta kernels that LibTorch defines in Python only (where,
/// native_batch_norm), for the example runs and decompositions; once per
/// process, before an import.
void addMetaKernels();

/// The decomposition of `state.node`'s op, or nullopt where PyTorch does
/// not run the op as one (a kernel or autograd formula of its own) or an
/// input other than a tensor is computed in the step.
std::optional<Decomposition> decomposeComposite(ImporterState &state,
                                                const torch::jit::Node *node);

/// Whether `node` writes to its first input, as `aten::add_` does.
bool writesToSelf(const torch::jit::Node *node);

/// The inputs `node` writes in place: those its schema marks written, and
/// the running statistics of a batch_norm in training mode (whose schema
/// does not say so).
std::vector<size_t> writtenInputs(const torch::jit::Node *node);

/// The tensors `graph` writes in place whose producers `known` resolves:
/// `known` maps graph inputs to values (the module object, buffers);
/// prim::GetAttr chains off them are followed. Buffers among them are the
/// step's state (ImporterState::StateBuffer).
std::vector<at::Tensor>
writtenTensors(const torch::jit::Graph &graph,
               llvm::DenseMap<const torch::jit::Value *, c10::IValue> known);

/// Whether `node` may write to any of its inputs (`out=` variants too);
/// true for a node without a schema.
bool writesToArgument(const torch::jit::Node *node);

/// The streams the current node's conversion draws from (docs/dropout.md;
/// DropoutConversions.cpp): 1 for an active dropout and for rand, uniform
/// and bernoulli, 2 for a normal draw, 0 for anything else.
int64_t drawStreams(ImporterState &s);

/// Readies the node `state.node`, which writes its input `input` in place,
/// before it runs on the examples (InPlaceConversions.cpp). Stops the import
/// if the write would outlive the step (the target shares memory with a
/// parameter, buffer or model input; a state buffer itself is written) or,
/// unless the node is `folded` (evaluated at import on constants whose
/// real aliasing the example run keeps), if another tensor that shares
/// memory with the target is used after the node. Constant inputs that the
/// run will change are bound to `ds.constant`s of their current value.
void prepareInPlace(ImporterState &state, size_t input, bool folded);

/// Makes `value` the value of the tensor the current node wrote as its
/// input `input`: of every value that is that very tensor object, for the
/// nodes after it (and of a state buffer, for the step's result).
void bindWritten(ImporterState &state, size_t input, Imported value);

/// Converts one node whose inputs are not all constants. Returns false when
/// no conversion is registered for the node's kind.
bool convertNode(ImporterState &state);

/// Whether the current node reads or makes a complex tensor, and then
/// converts it or stops the import naming it (ComplexConversions.cpp).
bool convertComplexNode(ImporterState &state);

} // namespace dsc::ts

#endif // DSC_LIB_IMPORT_TORCHSCRIPT_IMPORTERSTATE_H
