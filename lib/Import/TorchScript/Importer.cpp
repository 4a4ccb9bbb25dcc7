//===- Importer.cpp - TorchScript module to ds function -------------------===//
//
// Loads a TorchScript module, inlines `forward`, and walks its graph:
// parameters become function arguments, buffers and everything computable
// from constants is folded with LibTorch itself (so shape arithmetic,
// `arange`, `triu` of a buffer and the like get PyTorch's exact semantics),
// and the remaining nodes are converted to `ds` ops by OpConversions.cpp.
//
// Over 500 lines because loading, argument mapping, folding and the walk
// share one ImporterState; the per-op conversions are OpConversions.cpp's.
//
//===----------------------------------------------------------------------===//

#include "ExampleRun.h"
#include "ImporterState.h"

#include "dsc/Import/TorchScript.h"
#include "dsc/Runtime/ATenDType.h"
#include "dsc/Runtime/SafeTensors.h"
#include "dsc/Runtime/TorchPickle.h"

#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <torch/csrc/jit/passes/inliner.h>

using namespace mlir;
using namespace dsc;
using namespace dsc::ts;

namespace {

/// `self.1` -> `self`: TorchScript appends `.N` to disambiguate names.
std::string baseName(const torch::jit::Value *value) {
  std::string name = value->debugName();
  size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot + 1 < name.size() &&
      std::all_of(name.begin() + dot + 1, name.end(), ::isdigit))
    name.resize(dot);
  return name;
}

void addWeight(rt::SafeTensorsWriter &weights, const std::string &name,
               const at::Tensor &tensor) {
  // A complex buffer (rotary frequencies) is folded into the step like any
  // buffer and is nowhere read from the file, whose dtypes are real; a
  // complex parameter is refused by the import.
  if (tensor.is_complex())
    return;
  at::Tensor data = tensor.detach().contiguous().cpu();
  std::optional<rt::DType> dtype = rt::dtypeOf(data.scalar_type());
  if (!dtype)
    throw ImportError{"tensor '" + name + "' has unsupported dtype " +
                      std::string(c10::toString(data.scalar_type()))};
  auto *bytes = static_cast<const uint8_t *>(data.data_ptr());
  weights.add(name, *dtype, data.sizes().vec(),
              llvm::ArrayRef<uint8_t>(bytes, data.nbytes()));
}

/// Whether a node whose inputs are all constants may be evaluated now.
bool isFoldable(const torch::jit::Node *node) {
  if (node->isNondeterministic() || node->hasSideEffects())
    return false;
  c10::Symbol kind = node->kind();
  if (kind == c10::prim::GetAttr || kind == c10::prim::Constant ||
      kind == c10::prim::CallMethod || kind == c10::prim::CallFunction)
    return false;
  return kind.is_aten() || kind.is_prim();
}

/// For each node of `graph`'s top-level block, the values defined there
/// whose example results no later node reads: its outputs that nothing
/// reads, and those it is the last to read. Values read inside nested
/// blocks or returned are kept to the end.
llvm::DenseMap<const torch::jit::Node *, SmallVector<const torch::jit::Value *>>
lastReaders(const torch::jit::Graph &graph) {
  llvm::DenseMap<const torch::jit::Node *,
                 SmallVector<const torch::jit::Value *>>
      result;
  const torch::jit::Block *top = graph.block();
  for (const torch::jit::Node *node : graph.nodes())
    for (const torch::jit::Value *value : node->outputs()) {
      const torch::jit::Node *last = node;
      bool keep = false;
      for (const torch::jit::Use &use : value->uses()) {
        const torch::jit::Node *user = use.user;
        if (user->owningBlock() != top || user == graph.return_node()) {
          keep = true;
          break;
        }
        if (user->isAfter(last))
          last = user;
      }
      if (!keep)
        result[last].push_back(value);
    }
  return result;
}

class GraphImporter {
public:
  GraphImporter(MLIRContext &context, StringRef path)
      : context(context), builder(&context), state(builder, path.str()) {}

  OwningOpRef<ModuleOp> run(torch::jit::Module &module,
                            ArrayRef<InputSpec> inputSpecs,
                            rt::SafeTensorsWriter *weights);
  OwningOpRef<ModuleOp> run(const ImportedProgram &program,
                            rt::SafeTensorsWriter *weights);

private:
  /// Builds `@forward`: one argument per distinct parameter tensor, one per
  /// state buffer (a buffer the step writes), then one per `Input` of
  /// `inputs`, which bind `graph`'s inputs; imports the graph's nodes and
  /// returns its first output, the loss, and the state buffers' new values:
  /// as written in place, or as the graph's outputs after the loss, which
  /// replace the state buffers named by `bufferUpdates`.
  OwningOpRef<ModuleOp> importFunction(
      const torch::jit::Graph &graph, ArrayRef<NamedTensor> parameters,
      ArrayRef<NamedTensor> stateBuffers, ArrayRef<GraphInput> inputs,
      ArrayRef<std::string> bufferUpdates = {});
  void importNode(const torch::jit::Node *node);
  /// Imports the nodes of `decomposition` in `node`'s place.
  void importDecomposed(const torch::jit::Node *node,
                        const Decomposition &decomposition);
  /// Runs `node` on the example values of its inputs.
  void runOnExamples(const torch::jit::Node *node);
  void getAttr(const torch::jit::Node *node);
  /// Adds dropout's step counter, if the import made one, to `weights`.
  void addDropoutStep(rt::SafeTensorsWriter *weights);

  MLIRContext &context;
  OpBuilder builder;
  ImporterState state;
  /// The node whose decomposition is being imported, which gives the ops
  /// inside it their source line; the decompositions' graphs, alive as long
  /// as `state` maps their values.
  const torch::jit::Node *decomposing = nullptr;
  std::vector<std::shared_ptr<torch::jit::Graph>> decompositions;
};

OwningOpRef<ModuleOp> GraphImporter::run(torch::jit::Module &module,
                                         ArrayRef<InputSpec> inputSpecs,
                                         rt::SafeTensorsWriter *weights) {
  if (!module.find_method("forward"))
    throw ImportError{"the module has no forward method"};
  std::shared_ptr<torch::jit::Graph> graph =
      module.get_method("forward").graph()->copy();
  torch::jit::Inline(*graph);

  // A tied tensor is listed under each of its names: keep the first.
  std::vector<NamedTensor> parameters;
  llvm::DenseSet<const c10::TensorImpl *> seen;
  for (const auto &param : module.named_parameters(/*recurse=*/true)) {
    if (!seen.insert(param.value.unsafeGetTensorImpl()).second)
      continue;
    parameters.push_back({param.name, param.value});
    if (weights)
      addWeight(*weights, param.name, param.value);
  }
  for (const auto &attr : module.named_attributes(/*recurse=*/true))
    if (attr.value.isTensor())
      state.persistent.push_back(attr.value.toTensor());
  if (weights)
    for (const auto &buffer : module.named_buffers(/*recurse=*/true))
      addWeight(*weights, buffer.name, buffer.value);
  // Buffers the step writes are its state; other written tensors are
  // refused or imported by InPlaceConversions.cpp.
  std::vector<NamedTensor> stateBuffers;
  std::vector<at::Tensor> written =
      writtenTensors(*graph, {{graph->inputs()[0], module._ivalue()}});
  for (const auto &buffer : module.named_buffers(/*recurse=*/true))
    if (llvm::any_of(
            written,
            [&](const at::Tensor &t) { return t.is_same(buffer.value); }) &&
        llvm::none_of(stateBuffers, [&](const NamedTensor &b) {
          return b.tensor.is_same(buffer.value);
        }))
      stateBuffers.push_back({buffer.name, buffer.value});

  auto graphInputs = graph->inputs();
  if (graphInputs.empty())
    throw ImportError{"forward has no self argument"};
  if (graphInputs.size() - 1 != inputSpecs.size())
    throw ImportError{"forward takes " +
                      std::to_string(graphInputs.size() - 1) +
                      " inputs but shapes were given for " +
                      std::to_string(inputSpecs.size())};
  // `self` is the module object: prim::GetAttr reads parameters off it.
  std::vector<GraphInput> inputs{
      {GraphInput::Kind::Constant, "self", c10::IValue(module._ivalue())}};
  for (auto [input, spec] : llvm::zip(graphInputs.slice(1), inputSpecs)) {
    std::optional<c10::ScalarType> type = rt::atenType(spec.dtype);
    if (!type)
      throw ImportError{"model input '" + spec.name + "' has dtype " +
                        rt::dtypeName(spec.dtype).str() +
                        ", which LibTorch cannot represent"};
    inputs.push_back({GraphInput::Kind::Input, baseName(input),
                      at::zeros(spec.shape, at::TensorOptions(*type))});
  }
  OwningOpRef<ModuleOp> result =
      importFunction(*graph, parameters, stateBuffers, inputs);
  addDropoutStep(weights);
  return result;
}

void GraphImporter::addDropoutStep(rt::SafeTensorsWriter *weights) {
  if (weights && state.dropoutStepTensor.defined())
    addWeight(*weights, ImporterState::kDropoutStepName,
              state.dropoutStepTensor);
}

OwningOpRef<ModuleOp> GraphImporter::run(const ImportedProgram &program,
                                         rt::SafeTensorsWriter *weights) {
  state.exportNames = true;
  if (weights)
    for (const NamedTensor &tensor : program.weights)
      addWeight(*weights, tensor.name, tensor.tensor);
  for (const NamedTensor &tensor : program.weights)
    state.persistent.push_back(tensor.tensor);
  // Persistent buffers the program writes are the step's state, bound like
  // parameters.
  llvm::DenseMap<const torch::jit::Value *, c10::IValue> known;
  for (auto [graphInput, input] :
       llvm::zip_equal(program.graph->inputs(), program.inputs))
    if (input.kind == GraphInput::Kind::Constant)
      known[graphInput] = input.value;
  std::vector<at::Tensor> written = writtenTensors(*program.graph, known);
  std::vector<NamedTensor> stateBuffers;
  std::vector<GraphInput> inputs = program.inputs;
  for (GraphInput &input : inputs) {
    if (input.kind != GraphInput::Kind::Constant || !input.value.isTensor())
      continue;
    const at::Tensor &tensor = input.value.toTensor();
    bool persistent = llvm::any_of(program.weights, [&](const NamedTensor &w) {
      return w.tensor.is_same(tensor);
    });
    bool updated = llvm::is_contained(program.bufferUpdates, input.name) ||
                   llvm::any_of(written, [&](const at::Tensor &t) {
                     return t.is_same(tensor);
                   });
    if (!updated)
      continue;
    if (!persistent)
      throw ImportError{state.modelPath +
                        ": the program updates its non-persistent buffer '" +
                        input.name +
                        "', which the weights file does not hold; register "
                        "it with persistent=True"};
    input.kind = GraphInput::Kind::Parameter;
    if (llvm::none_of(stateBuffers, [&](const NamedTensor &b) {
          return b.tensor.is_same(tensor);
        }))
      stateBuffers.push_back({input.name, tensor});
  }
  OwningOpRef<ModuleOp> module =
      importFunction(*program.graph, program.parameters, stateBuffers, inputs,
                     program.bufferUpdates);
  addDropoutStep(weights);
  return module;
}

OwningOpRef<ModuleOp> GraphImporter::importFunction(
    const torch::jit::Graph &graph, ArrayRef<NamedTensor> parameters,
    ArrayRef<NamedTensor> stateBuffers, ArrayRef<GraphInput> inputs,
    ArrayRef<std::string> bufferUpdates) {
  // Arguments: parameters (a tied tensor once), state buffers, then the
  // inputs.
  SmallVector<Type> argTypes;
  SmallVector<Attribute> argAttrs;
  std::vector<at::Tensor> parameterTensors;
  for (const NamedTensor &param : parameters) {
    const at::Tensor &tensor = param.tensor;
    if (state.parameters.count(tensor.unsafeGetTensorImpl()))
      continue;
    parameterTensors.push_back(tensor);
    state.where = "parameter '" + param.name + "'";
    argTypes.push_back(RankedTensorType::get(
        tensor.sizes().vec(), state.elementType(tensor.scalar_type())));
    NamedAttrList attrs;
    attrs.append(mlir::ds::DSDialect::kNameAttr,
                 builder.getStringAttr(param.name));
    if (tensor.requires_grad())
      attrs.append(mlir::ds::DSDialect::kTrainableAttr, builder.getUnitAttr());
    argAttrs.push_back(attrs.getDictionary(&context));
    state.parameters[tensor.unsafeGetTensorImpl()] = nullptr;
    state.persistent.push_back(tensor);
  }
  for (const NamedTensor &buffer : stateBuffers) {
    const at::Tensor &tensor = buffer.tensor;
    state.where = "buffer '" + buffer.name + "'";
    // Another name for its memory would read the value of the import.
    for (const at::Tensor &other : state.persistent)
      if (!other.is_same(tensor) && other.is_alias_of(tensor))
        state.fail("the step writes this buffer, which shares memory with "
                   "another parameter or buffer (a view of one); dsc carries "
                   "only buffers that own their memory from step to step");
    parameterTensors.push_back(tensor);
    argTypes.push_back(RankedTensorType::get(
        tensor.sizes().vec(), state.elementType(tensor.scalar_type())));
    argAttrs.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
        mlir::ds::DSDialect::kNameAttr, builder.getStringAttr(buffer.name))));
    state.parameters[tensor.unsafeGetTensorImpl()] = nullptr;
    state.stateBuffers[state.exampleOf(tensor).unsafeGetTensorImpl()] = {
        buffer.name, tensor.unsafeGetTensorImpl(), Value()};
  }
  for (const GraphInput &input : inputs) {
    if (input.kind != GraphInput::Kind::Input)
      continue;
    const at::Tensor &example = input.value.toTensor();
    state.persistent.push_back(example);
    state.where = "model input '" + input.name + "'";
    argTypes.push_back(RankedTensorType::get(
        example.sizes().vec(), state.elementType(example.scalar_type())));
    NamedAttrList attrs;
    attrs.append(mlir::ds::DSDialect::kNameAttr,
                 builder.getStringAttr(input.name));
    attrs.append(mlir::ds::DSDialect::kInputAttr, builder.getUnitAttr());
    argAttrs.push_back(attrs.getDictionary(&context));
  }

  auto graphInputs = graph.inputs();
  auto outputs = graph.outputs();
  Location fileLoc = FileLineColLoc::get(&context, state.modelPath, 0, 0);
  OwningOpRef<ModuleOp> result = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(result->getBody());
  auto func =
      func::FuncOp::create(builder, fileLoc, mlir::ds::DSDialect::kForwardFunc,
                           builder.getFunctionType(argTypes, {}));
  func.setAllArgAttrs(argAttrs);
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);

  for (auto [tensor, arg] : llvm::zip(parameterTensors, body->getArguments()))
    state.parameters[tensor.unsafeGetTensorImpl()] = arg;
  for (auto &[example, buffer] : state.stateBuffers)
    buffer.initial = state.parameters.lookup(buffer.tensor);
  auto inputArgs = body->getArguments().drop_front(parameterTensors.size());
  for (auto [graphInput, input] : llvm::zip_equal(graphInputs, inputs)) {
    state.shadow[graphInput] =
        input.kind == GraphInput::Kind::Constant
            ? input.value
            : c10::IValue(state.exampleOf(input.value.toTensor()));
    switch (input.kind) {
    case GraphInput::Kind::Constant:
      state.values[graphInput] = Imported{input.value};
      break;
    case GraphInput::Kind::Parameter:
      state.values[graphInput] = Imported{Value(state.parameters.lookup(
          input.value.toTensor().unsafeGetTensorImpl()))};
      break;
    case GraphInput::Kind::Input:
      state.values[graphInput] = Imported{Value(inputArgs.front())};
      inputArgs = inputArgs.drop_front();
      break;
    }
  }

  // Examples computed from parameters and inputs are meta tensors
  // (ExampleRun.h); the constants' go after their last reader. No autograd
  // records the example run.
  at::NoGradGuard noGrad;
  llvm::DenseMap<const torch::jit::Node *,
                 SmallVector<const torch::jit::Value *>>
      lastReads = lastReaders(graph);
  for (const torch::jit::Node *node : graph.nodes()) {
    importNode(node);
    for (const torch::jit::Value *value : lastReads.lookup(node))
      state.shadow.erase(value);
  }

  state.node = graph.return_node();
  state.where = "the return of forward";
  const c10::IValue *loss = outputs.size() == 1 + bufferUpdates.size()
                                ? &state.shadowOf(outputs[0])
                                : nullptr;
  if (!loss || !loss->isTensor() || loss->toTensor().dim() != 0 ||
      !loss->toTensor().is_floating_point())
    state.fail("forward must return the scalar loss (a 0-d floating point "
               "tensor), but returns " +
               (loss ? loss->tagKind()
                     : std::to_string(outputs.size() - bufferUpdates.size()) +
                           " values") +
               (loss && loss->isTensor()
                    ? " of shape " + c10::str(loss->toTensor().sizes())
                    : std::string()));
  for (auto [name, output] : llvm::zip_equal(bufferUpdates, outputs.slice(1))) {
    auto buffer = llvm::find_if(state.stateBuffers, [&](const auto &entry) {
      return entry.second.name == name;
    });
    if (buffer == state.stateBuffers.end())
      state.fail("the program returns a new value of '" + name +
                 "', which is no persistent buffer of it");
    state.parameters[buffer->second.tensor] =
        state.convertTo(state.asTensor(state.lookup(output)),
                        cast<RankedTensorType>(buffer->second.initial.getType())
                            .getElementType());
  }
  // The loss, then the new value of each state buffer the step changed.
  SmallVector<Value> results{state.asTensor(state.lookup(outputs[0]))};
  SmallVector<Attribute> resultAttrs{builder.getDictionaryAttr({})};
  for (const auto &[example, buffer] : state.stateBuffers) {
    Value now = state.parameters.lookup(buffer.tensor);
    if (now == buffer.initial)
      continue;
    results.push_back(now);
    resultAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr(mlir::ds::DSDialect::kUpdatesAttr,
                             builder.getStringAttr(buffer.name))));
  }
  func::ReturnOp::create(builder, fileLoc, results);
  // The arguments as they are now: a dropout adds its step counter.
  func.setType(builder.getFunctionType(body->getArgumentTypes(),
                                       ValueRange(results).getTypes()));
  func.setAllResultAttrs(resultAttrs);
  return result;
}

void GraphImporter::importNode(const torch::jit::Node *node) {
  state.node = node;
  const torch::jit::Node *source = decomposing ? decomposing : node;
  state.loc = nodeLocation(&context, source, state.modelPath);
  state.where = describeLocation(source);
  if (decomposing)
    state.where += std::string(" (in PyTorch's decomposition of ") +
                   decomposing->kind().toQualString() + ")";
  c10::Symbol kind = node->kind();
  if (kind == c10::prim::Constant) {
    c10::IValue value = *torch::jit::toIValue(node->output());
    state.shadow[node->output()] = value;
    state.bindOutput(0, Imported{value});
    return;
  }
  if (kind == c10::prim::GetAttr)
    return getAttr(node);
  // A random draw nothing reads cannot change the step; it is dropped,
  // but the streams it would draw from are passed over, so that later
  // draws keep the streams a run of the model gives them (examples/
  // dsc_dropout.py). A draw into an argument (`out=`) is read through that
  // argument.
  if (node->isNondeterministic() && !writesToArgument(node) &&
      llvm::none_of(node->outputs(),
                    [](const auto *output) { return output->hasUses(); })) {
    state.nextDropoutStream += drawStreams(state);
    return;
  }
  bool fold =
      isFoldable(node) && llvm::all_of(node->inputs(), [&](const auto *input) {
        return state.lookup(input).isConstant();
      });
  for (size_t i : writtenInputs(node))
    prepareInPlace(state, i, fold);
  runOnExamples(node);
  if (fold) {
    for (const torch::jit::Value *output : node->outputs())
      state.values[output] = Imported{state.shadow[output]};
    return;
  }
  if (convertNode(state))
    return;
  if (std::optional<Decomposition> decomposition =
          decomposeComposite(state, node))
    return importDecomposed(node, *decomposition);
  state.fail("unsupported PyTorch op '" + state.opName() + "'");
}

void GraphImporter::importDecomposed(const torch::jit::Node *node,
                                     const Decomposition &decomposition) {
  const torch::jit::Graph &graph = *decomposition.graph;
  decompositions.push_back(decomposition.graph);
  for (auto [inner, i] :
       llvm::zip_equal(graph.inputs(), decomposition.tensorInputs)) {
    // Copies first: the maps may grow, moving what lookup refers to.
    Imported value = state.lookup(node->inputs()[i]);
    c10::IValue example = state.shadowOf(node->inputs()[i]);
    state.values[inner] = std::move(value);
    state.shadow[inner] = std::move(example);
  }
  const torch::jit::Node *outer = decomposing;
  decomposing = outer ? outer : node;
  for (const torch::jit::Node *inner : graph.nodes())
    importNode(inner);
  decomposing = outer;
  for (auto [output, inner] :
       llvm::zip_equal(node->outputs(), graph.outputs())) {
    Imported value = state.lookup(inner);
    state.values[output] = std::move(value);
  }
  // The examples inside were only needed there.
  for (const torch::jit::Value *inner : graph.inputs())
    state.shadow.erase(inner);
  for (const torch::jit::Node *inner : graph.nodes())
    for (const torch::jit::Value *value : inner->outputs())
      state.shadow.erase(value);
  state.node = node;
}

/// Runs the list and tuple plumbing that the TorchScript interpreter
/// implements as instructions rather than as operators.
std::optional<torch::jit::Stack> runPlumbing(const torch::jit::Node *node,
                                             torch::jit::Stack inputs) {
  c10::Symbol kind = node->kind();
  if (kind == c10::prim::ListConstruct) {
    auto type = node->output()->type()->cast<c10::ListType>();
    c10::impl::GenericList list(type ? type->getElementType()
                                     : c10::AnyType::get());
    for (c10::IValue &value : inputs)
      list.push_back(std::move(value));
    return torch::jit::Stack{c10::IValue(list)};
  }
  if (kind == c10::prim::TupleConstruct)
    return torch::jit::Stack{c10::ivalue::Tuple::create(std::move(inputs))};
  if (kind == c10::prim::ListUnpack)
    return inputs[0].toListRef().vec();
  if (kind == c10::prim::TupleUnpack)
    return inputs[0].toTupleRef().elements().vec();
  return std::nullopt;
}

void GraphImporter::runOnExamples(const torch::jit::Node *node) {
  torch::jit::Stack inputs, stack;
  for (const torch::jit::Value *input : node->inputs())
    inputs.push_back(state.shadowOf(input));
  try {
    if (std::optional<torch::jit::Stack> results = runPlumbing(node, inputs))
      stack = std::move(*results);
    else
      stack = dsc::ts::runOnExamples(
          [&](torch::jit::Stack &s) { node->getOperation()(s); }, inputs,
          dsc::ts::metaDisagrees(node, inputs));
  } catch (const c10::Error &error) {
    state.fail("PyTorch cannot run '" + state.opName() +
               "' on the example inputs: " + error.what_without_backtrace());
  } catch (const std::exception &error) {
    state.fail("unsupported PyTorch op '" + state.opName() + "' (" +
               error.what() + ")");
  }
  if (stack.size() != node->outputs().size())
    state.fail("running '" + std::string(node->kind().toQualString()) +
               "' gave an unexpected number of values");
  for (size_t i = 0; i < stack.size(); ++i)
    state.shadow[node->outputs()[i]] =
        asRecorded(state, node->outputs()[i], std::move(stack[i]));
}

void GraphImporter::getAttr(const torch::jit::Node *node) {
  const c10::IValue &owner = state.constantInput(0);
  if (!owner.isObject())
    state.fail("prim::GetAttr on a value that is not a module");
  c10::IValue attr = owner.toObjectRef().getAttr(node->s(c10::attr::name));
  state.shadow[node->output()] = attr;
  if (attr.isTensor()) {
    auto it = state.parameters.find(attr.toTensor().unsafeGetTensorImpl());
    if (it != state.parameters.end()) {
      state.shadow[node->output()] = state.exampleOf(attr.toTensor());
      return state.bindOutput(0, it->second);
    }
  }
  // Buffers, submodules and plain attributes are constants.
  state.bindOutput(0, Imported{attr});
}

} // namespace

/// Loads the dialects an import builds and checks that `path` exists.
static llvm::Error prepareImport(MLIRContext &context, StringRef path) {
  context.loadDialect<ds::DSDialect, func::FuncDialect>();
  if (!llvm::sys::fs::exists(path))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": no such file");
  return llvm::Error::success();
}

/// Runs `import` with a GraphImporter for `path` and verifies its result;
/// ImportError and LibTorch's errors become llvm::Errors naming the file.
static llvm::Expected<OwningOpRef<ModuleOp>> importChecked(
    MLIRContext &context, StringRef path,
    llvm::function_ref<OwningOpRef<ModuleOp>(GraphImporter &)> import) {
  const std::string pathString = path.str();
  // An op the importer builds with types its verifier refuses (an importer
  // bug: the diagnostic above names the op and the line) stops the import
  // with an error, not LLVM's abort.
  llvm::ScopedFatalErrorHandler fatal(
      [](void *file, const char *reason, bool) {
        throw ImportError{*static_cast<const std::string *>(file) +
                          ": internal error: " + reason +
                          " (dsc built an op its verifier refuses: please "
                          "report the model)"};
      },
      const_cast<std::string *>(&pathString));
  try {
    addMetaKernels();
    GraphImporter importer(context, path);
    OwningOpRef<ModuleOp> result = import(importer);
    if (failed(verify(*result)))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     path +
                                         ": the imported IR does not verify");
    return result;
  } catch (const ImportError &e) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), e.message);
  } catch (const c10::Error &e) {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + ": LibTorch error: " + e.what_without_backtrace());
  } catch (const std::exception &e) {
    // TorchScript's parser throws its own ErrorReport, not a c10::Error.
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": LibTorch error: " + e.what());
  }
}

llvm::Expected<OwningOpRef<ModuleOp>>
dsc::importTorchScript(MLIRContext &context, StringRef path,
                       ArrayRef<InputSpec> inputs,
                       rt::SafeTensorsWriter *weights) {
  auto error = [&](const Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " + message);
  };
  if (llvm::Error err = prepareImport(context, path))
    return std::move(err);
  // LibTorch reads the archive without checking its CRCs, nor whether the
  // pickles' storages and views fit the records they name (it would hand
  // over tensors that read past their buffers); checking both first also
  // keeps damaged pickles and code from its parsers.
  if (llvm::Error err = rt::checkTorchScriptArchive(path))
    return std::move(err);
  torch::jit::Module module;
  torch::jit::ExtraFilesMap extraFiles{{kInputsExtraFile, ""}};
  try {
    module = torch::jit::load(path.str(), c10::nullopt, extraFiles);
  } catch (const c10::Error &e) {
    return error("not a TorchScript file that LibTorch can load (save the "
                 "model with torch.jit.trace(...).save()): " +
                 Twine(e.what_without_backtrace()));
  } catch (const std::exception &e) {
    // The archive's code is parsed as it loads; TorchScript's parser throws
    // an ErrorReport.
    return error("not a TorchScript file that LibTorch can load: " +
                 Twine(e.what()));
  }
  std::vector<InputSpec> specs(inputs.begin(), inputs.end());
  const std::string &recorded = extraFiles[kInputsExtraFile];
  if (!specs.empty() && !recorded.empty()) {
    // --input may change shapes (another batch or sequence length), not
    // what an input is: a float input given as integers would be traced
    // into another program.
    auto parsed = parseInputSpecsJson(recorded);
    if (!parsed)
      return error(Twine(kInputsExtraFile) + ": " +
                   toString(parsed.takeError()));
    for (const InputSpec &given : specs)
      for (const InputSpec &saved : *parsed)
        if (given.name == saved.name && given.dtype != saved.dtype)
          return error("--input " + Twine(given.name) + " gives " +
                       rt::dtypeName(given.dtype).lower() + ", but " +
                       kInputsExtraFile + " records " +
                       rt::dtypeName(saved.dtype).lower() + " for that input");
  }
  if (specs.empty()) {
    if (recorded.empty())
      return error("the shapes of the model inputs are unknown: TorchScript "
                   "files do not keep them; pass --input NAME=SHAPE (e.g. "
                   "--input tokens=2x16xi64) for each input, or save the "
                   "model with examples/dsc_save.py");
    auto parsed = parseInputSpecsJson(recorded);
    if (!parsed)
      return error(Twine(kInputsExtraFile) + ": " +
                   toString(parsed.takeError()));
    specs = std::move(*parsed);
  }
  return importChecked(context, path, [&](GraphImporter &importer) {
    return importer.run(module, specs, weights);
  });
}

llvm::Expected<OwningOpRef<ModuleOp>>
dsc::importExportedProgram(MLIRContext &context, StringRef path,
                           rt::SafeTensorsWriter *weights) {
  if (llvm::Error err = prepareImport(context, path))
    return std::move(err);
  return importChecked(context, path, [&](GraphImporter &importer) {
    return importer.run(readExportedProgram(path.str()), weights);
  });
}
