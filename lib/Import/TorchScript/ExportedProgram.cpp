//===- ExportedProgram.cpp - torch.export archives as TorchScript graphs --===//
//
// Reads a `torch.export.save` archive (`.pt2`) without Python: the program
// is JSON (`models/model.json`, torch/_export/serde/schema.py) and each
// parameter, buffer and lifted constant is the raw bytes of its storage
// (`data/weights/`, `data/constants/`, described by their `*_config.json`).
//
// The program becomes a TorchScript graph: each node an `aten::` node of the
// overload the archive names, its omitted arguments filled from the
// operator's schema, its Python stack trace kept as the node's source range.
// The TorchScript importer then walks that graph as it walks a traced one,
// so both front ends share every op conversion and the folding of
// everything that depends only on constants.
//
// ProgramReader (ProgramReader.h) walks the JSON document; the decoding of
// node arguments is ExportedArguments.cpp.
//
//===----------------------------------------------------------------------===//

#include "ProgramReader.h"
#include "dsc/Import/TorchScript.h"
#include "dsc/Runtime/BoundedJson.h"
#include "dsc/Runtime/TorchPickle.h"
#include "dsc/Runtime/ZipArchive.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <caffe2/serialize/inline_container.h>

#include <cmath>
#include <map>
#include <regex>
#include <sstream>

using namespace dsc;
using namespace dsc::ts;
namespace json = llvm::json;

namespace {

/// The ops a training-IR program holds only to check what tracing assumed;
/// they compute nothing.
const llvm::StringSet<> &assertionOps() {
  static const llvm::StringSet<> ops{
      "aten._assert_tensor_metadata.default", "aten._assert_scalar.default",
      "aten._assert_async.msg", "aten.sym_constrain_range_for_size.default",
      "aten.sym_constrain_range.default"};
  return ops;
}

/// Turns an export stack trace (Python's traceback order, outermost first:
/// `File "m.py", line 12, in forward` then the source text) into the frame
/// list TorchScript keeps (innermost first: `m.py(12): forward`), which
/// describeLocation reads.
std::string torchScriptFrames(llvm::StringRef stackTrace) {
  static const std::regex frame(R"re(File "([^"]+)", line (\d+), in (\S+))re");
  std::vector<std::string> frames;
  std::string text = stackTrace.str();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), frame);
       it != std::sregex_iterator(); ++it)
    frames.push_back((*it)[1].str() + "(" + (*it)[2].str() +
                     "): " + (*it)[3].str());
  std::string result;
  for (auto it = frames.rbegin(); it != frames.rend(); ++it)
    result += *it + "\n";
  return result;
}

/// The integers of a list of `{"as_int": n}` (sizes, strides).
std::optional<std::vector<int64_t>> symInts(const json::Array *list) {
  if (!list)
    return std::nullopt;
  std::vector<int64_t> result;
  for (const json::Value &item : *list) {
    const json::Object *object = item.getAsObject();
    std::optional<int64_t> value =
        object ? object->getInteger("as_int") : std::nullopt;
    if (!value)
      return std::nullopt;
    result.push_back(*value);
  }
  return result;
}

} // namespace

std::string ProgramReader::record(const std::string &name) {
  if (!archive->hasRecord(name))
    fail("the archive has no '" + name + "' (is it a torch.export.save file?)");
  auto [data, size] = archive->getRecord(name);
  return std::string(static_cast<const char *>(data.get()), size);
}

json::Value ProgramReader::parse(const std::string &name) {
  llvm::Expected<json::Value> value = parseJsonBounded(record(name));
  if (!value)
    fail(name + ": " + llvm::toString(value.takeError()));
  return std::move(*value);
}

const json::Object &ProgramReader::object(const json::Value *value,
                                          const llvm::Twine &what) const {
  if (!value || !value->getAsObject())
    fail("malformed program: " + what + " is not an object");
  return *value->getAsObject();
}

const json::Array &ProgramReader::array(const json::Value *value,
                                        const llvm::Twine &what) const {
  if (!value || !value->getAsArray())
    fail("malformed program: " + what + " is not an array");
  return *value->getAsArray();
}

at::Tensor ProgramReader::loadTensor(const std::string &file,
                                     const json::Object &meta,
                                     const std::string &name) {
  std::optional<int64_t> dtypeCode = meta.getInteger("dtype");
  std::optional<c10::ScalarType> dtype =
      dtypeCode ? scalarTypeFromSchema(*dtypeCode) : std::nullopt;
  if (!dtype)
    fail("tensor '" + name + "' has a dtype dsc does not support (code " +
         (dtypeCode ? std::to_string(*dtypeCode) : "?") + ")");
  auto sizes = symInts(meta.getArray("sizes"));
  auto strides = symInts(meta.getArray("strides"));
  const json::Object *offsetObject = meta.getObject("storage_offset");
  int64_t offset =
      offsetObject ? offsetObject->getInteger("as_int").value_or(-1) : -1;
  if (!sizes || !strides || offset < 0 || sizes->size() != strides->size())
    fail("tensor '" + name + "' has no static sizes, strides and offset");
  std::string bytes = record(file);
  int64_t itemSize = static_cast<int64_t>(c10::elementSize(*dtype));
  // The last element the view reaches must lie inside the storage.
  std::optional<int64_t> reach =
      rt::viewStorageElements(*sizes, *strides, offset);
  if (!reach)
    fail("tensor '" + name + "' has a negative or overflowing size or stride");
  int64_t storageElements = static_cast<int64_t>(bytes.size()) / itemSize;
  if (*reach > storageElements)
    fail("tensor '" + name + "' reaches past the end of its data file '" +
         file + "' (" + std::to_string(bytes.size()) + " bytes)");
  std::string key = file + "@" + std::to_string(offset) + ":" +
                    c10::str(c10::IntArrayRef(*sizes)) + ":" +
                    c10::str(c10::IntArrayRef(*strides)) + ":" +
                    std::to_string(*dtypeCode);
  auto it = byStorage.find(key);
  if (it != byStorage.end())
    return it->second;
  at::Tensor storage = at::empty({storageElements}, at::TensorOptions(*dtype));
  std::memcpy(storage.data_ptr(), bytes.data(), storageElements * itemSize);
  at::Tensor tensor = storage.as_strided(*sizes, *strides, offset).clone();
  if (meta.getBoolean("requires_grad").value_or(false))
    tensor.set_requires_grad(true);
  byStorage[key] = tensor;
  return tensor;
}

void ProgramReader::loadTensors(const std::string &kind) {
  std::string dir = "data/" + kind + "/";
  std::string configName = dir + "model_" + kind + "_config.json";
  if (!archive->hasRecord(configName))
    return;
  json::Value config = parse(configName);
  const json::Object &entries =
      object(object(&config, configName).get("config"), configName + " config");
  for (const auto &[name, value] : entries) {
    const json::Object &entry = object(&value, "'" + name.str() + "'");
    if (entry.getBoolean("use_pickle").value_or(false))
      fail("tensor '" + name.str() +
           "' is stored pickled; dsc reads raw tensor data only");
    std::optional<llvm::StringRef> file = entry.getString("path_name");
    if (!file)
      fail("tensor '" + name.str() + "' names no data file");
    tensors[name.str()] = loadTensor(
        dir + file->str(),
        object(entry.get("tensor_meta"), "'" + name.str() + "'"), name.str());
  }
}

torch::jit::Value *ProgramReader::constant(c10::IValue value) {
  return graph->insertConstant(std::move(value));
}

torch::jit::Value *ProgramReader::tensorNamed(llvm::StringRef name) {
  auto it = values->find(name);
  if (it == values->end())
    failAtNode("malformed program: tensor '" + name +
               "' is used before it "
               "is defined");
  return it->second;
}

void ProgramReader::bind(const json::Object &output, torch::jit::Value *value) {
  if (output.get("as_none"))
    return;
  const json::Object *tensor = output.getObject("as_tensor");
  std::optional<llvm::StringRef> name =
      tensor ? tensor->getString("name") : std::nullopt;
  if (name) {
    (*values)[*name] = value;
    recordType(*name, value);
    return;
  }
  // A symbolic integer (as_sym_int) is a size known only when the step
  // runs: a dynamic dimension, or one the data decides.
  std::string kind =
      output.empty() ? std::string("nothing") : output.begin()->first.str();
  if (llvm::StringRef(kind).starts_with("as_sym"))
    failAtNode("'" + currentTarget + "' returns a symbolic size (" + kind +
               "): dsc plans fixed shapes, so neither a dynamic dimension "
               "nor a size the data decides (nonzero, torch.where with one "
               "argument, indexing by a boolean mask) can be imported; "
               "export with static shapes and compute with masks");
  failAtNode("malformed program: an output of '" + currentTarget + "' is " +
             kind + ", not a named tensor");
}

void ProgramReader::recordType(llvm::StringRef name, torch::jit::Value *value) {
  const json::Object *meta =
      tensorValues ? tensorValues->getObject(name) : nullptr;
  if (!meta)
    return;
  std::optional<int64_t> code = meta->getInteger("dtype");
  std::optional<c10::ScalarType> dtype =
      code ? scalarTypeFromSchema(*code) : std::nullopt;
  std::optional<std::vector<int64_t>> sizes = symInts(meta->getArray("sizes"));
  if (dtype && sizes)
    value->setType(
        c10::TensorType::createContiguous(*dtype, c10::kCPU, *sizes));
}

void ProgramReader::setSourceRange(torch::jit::Node *node,
                                   const json::Object &jsonNode) {
  const json::Object *metadata = jsonNode.getObject("metadata");
  std::optional<llvm::StringRef> trace =
      metadata ? metadata->getString("stack_trace") : std::nullopt;
  if (!trace)
    return;
  std::string frames = torchScriptFrames(*trace);
  if (frames.empty())
    return;
  auto source = std::make_shared<torch::jit::Source>(frames);
  node->setSourceRange(torch::jit::SourceRange(source, 0, frames.size()));
}

void ProgramReader::readAtenNode(const json::Object &node,
                                 llvm::StringRef target) {
  // aten.linear.default -> aten::linear with the overload ""; a name whose
  // overload is not "default" keeps it (aten.add.Tensor).
  auto [opName, overload] = target.drop_front(5).rsplit('.');
  std::string qualified = "aten::" + opName.str();
  std::optional<c10::OperatorHandle> op =
      c10::Dispatcher::singleton().findSchema(
          {qualified, overload == "default" ? "" : overload.str()});
  if (!op)
    failAtNode("unsupported op '" + target +
               "': LibTorch 2.11 has no such operator");
  const c10::FunctionSchema &schema = op->schema();

  const json::Array &inputs = array(node.get("inputs"), target + " inputs");
  llvm::StringMap<const json::Object *> given;
  for (const json::Value &input : inputs) {
    const json::Object &named = object(&input, target + " input");
    std::optional<llvm::StringRef> argName = named.getString("name");
    if (!argName)
      failAtNode("malformed program: an input of '" + target + "' is unnamed");
    given[*argName] = &object(named.get("arg"), target + " argument");
  }
  std::vector<torch::jit::Value *> operands;
  for (const c10::Argument &formal : schema.arguments()) {
    auto it = given.find(formal.name());
    if (it != given.end()) {
      operands.push_back(argument(*it->second, formal));
      given.erase(it);
    } else if (formal.default_value()) {
      operands.push_back(constant(*formal.default_value()));
    } else {
      failAtNode("malformed program: '" + target + "' lacks argument '" +
                 formal.name() + "'");
    }
  }
  if (!given.empty())
    failAtNode("malformed program: '" + target + "' has no argument '" +
               given.begin()->first() + "'");

  const json::Array &outputs = array(node.get("outputs"), target + " outputs");
  size_t returns = schema.returns().size();
  torch::jit::Node *created =
      graph->create(c10::Symbol::fromQualString(qualified), operands, returns);
  for (size_t i = 0; i < returns; ++i)
    created->output(i)->setType(schema.returns()[i].type());
  setSourceRange(created, node);
  graph->insertNode(created);

  // A list result (split, unbind) is one output holding `as_tensors`.
  if (returns == 1 &&
      schema.returns()[0].type()->kind() == c10::TypeKind::ListType) {
    const json::Object &output =
        object(outputs.empty() ? nullptr : &outputs[0], target + " output");
    const json::Array &items =
        array(output.get("as_tensors"), target + " output");
    torch::jit::Node *unpack = graph->insertNode(
        graph->createListUnpack(created->output(), items.size()));
    for (size_t i = 0; i < items.size(); ++i) {
      json::Object wrapped{{"as_tensor", items[i]}};
      bind(wrapped, unpack->output(i));
    }
    return;
  }
  if (outputs.size() != returns)
    failAtNode("malformed program: '" + target + "' has " +
               std::to_string(outputs.size()) + " outputs, its schema " +
               std::to_string(returns));
  for (size_t i = 0; i < returns; ++i)
    bind(object(&outputs[i], target + " output"), created->output(i));
}

void ProgramReader::inlineGraph(const json::Object &node, bool gradEnabled) {
  // wrap_with_set_grad_enabled(enabled, subgraph, *args).
  const json::Array &inputs = array(node.get("inputs"), "a subgraph's inputs");
  if (inputs.size() < 2)
    failAtNode("malformed program: a subgraph call without its graph");
  const json::Object &graphArg = object(
      object(&inputs[1], "a subgraph argument").get("arg"), "a subgraph");
  const json::Object &sub =
      object(object(graphArg.get("as_graph"), "a subgraph").get("graph"),
             "a subgraph");
  llvm::StringMap<torch::jit::Value *> scope;
  const json::Array &subInputs = array(sub.get("inputs"), "subgraph inputs");
  if (subInputs.size() != inputs.size() - 2)
    failAtNode("malformed program: a subgraph takes " +
               std::to_string(subInputs.size()) + " inputs but is given " +
               std::to_string(inputs.size() - 2));
  for (size_t i = 0; i < subInputs.size(); ++i) {
    const json::Object &arg =
        object(object(&inputs[i + 2], "a subgraph argument").get("arg"),
               "a subgraph argument");
    const json::Object *tensor = arg.getObject("as_tensor");
    std::optional<llvm::StringRef> outer =
        tensor ? tensor->getString("name") : std::nullopt;
    const json::Object *inner =
        object(&subInputs[i], "a subgraph input").getObject("as_tensor");
    std::optional<llvm::StringRef> innerName =
        inner ? inner->getString("name") : std::nullopt;
    if (!outer || !innerName)
      failAtNode("a subgraph argument is not a tensor; dsc inlines "
                 "subgraphs of tensors only");
    scope[*innerName] = tensorNamed(*outer);
  }
  llvm::StringMap<torch::jit::Value *> *outerScope = values;
  const json::Object *outerValues = tensorValues;
  values = &scope;
  tensorValues = sub.getObject("tensor_values");
  for (const json::Value &inner : array(sub.get("nodes"), "subgraph nodes"))
    readNode(object(&inner, "a subgraph node"));
  tensorValues = outerValues;
  std::vector<torch::jit::Value *> results;
  for (const json::Value &output :
       array(sub.get("outputs"), "subgraph outputs")) {
    const json::Object *tensor =
        object(&output, "a subgraph output").getObject("as_tensor");
    std::optional<llvm::StringRef> name =
        tensor ? tensor->getString("name") : std::nullopt;
    if (!name)
      failAtNode("a subgraph returns something other than tensors");
    results.push_back(tensorNamed(*name));
  }
  values = outerScope;

  const json::Array &outputs =
      array(node.get("outputs"), "subgraph call outputs");
  if (outputs.size() != results.size())
    failAtNode("malformed program: a subgraph returns " +
               std::to_string(results.size()) + " values, its call binds " +
               std::to_string(outputs.size()));
  for (auto [output, result] : llvm::zip(outputs, results)) {
    torch::jit::Value *value = result;
    // Under torch.no_grad() nothing flows back: detach what leaves.
    if (!gradEnabled)
      value = graph->insert(c10::aten::detach, {value});
    bind(object(&output, "a subgraph call output"), value);
  }
}

void ProgramReader::readNode(const json::Object &node) {
  std::optional<llvm::StringRef> target = node.getString("target");
  if (!target)
    fail("malformed program: a node without a target");
  std::string where = "an unknown source line";
  if (const json::Object *metadata = node.getObject("metadata"))
    if (std::optional<llvm::StringRef> trace =
            metadata->getString("stack_trace")) {
      std::string frames = torchScriptFrames(*trace);
      // The innermost frame outside torch: the model's own code.
      std::istringstream lines(frames);
      for (std::string line; std::getline(lines, line);) {
        static const std::regex frame(R"(^(.+)\((\d+)\): \S+$)");
        std::smatch match;
        if (std::regex_match(line, match, frame)) {
          where = match[1].str() + ":" + match[2].str();
          if (match[1].str().find("/torch/") == std::string::npos)
            break;
        }
      }
    }
  nodeWhere = where;
  llvm::StringRef name = *target;
  name.consume_front("torch.ops.");
  currentTarget = name.str();
  if (assertionOps().contains(name) || outputsKnown(node))
    return;
  if (name == "higher_order.wrap_with_set_grad_enabled") {
    const json::Array &inputs =
        array(node.get("inputs"), "a subgraph's inputs");
    const json::Object *enabled =
        inputs.empty()
            ? nullptr
            : object(&inputs[0], "a subgraph argument").getObject("arg");
    std::optional<bool> flag =
        enabled ? enabled->getBoolean("as_bool") : std::nullopt;
    if (!flag)
      failAtNode(
          "malformed program: wrap_with_set_grad_enabled without its flag");
    return inlineGraph(node, *flag);
  }
  if (name.starts_with("aten."))
    return readAtenNode(node, name);
  // Hugging Face's grouped experts (integrations/moe.py) on the CPU.
  if (name.starts_with("transformers.grouped_mm"))
    failAtNode("unsupported op '" + name +
               "' (Hugging Face's grouped experts): load the model with "
               "experts_implementation=\"batched_mm\"");
  // The program as torch.export leaves it: autocast's casts are made when
  // the region runs, by PyTorch's dispatcher.
  if (name == "higher_order.wrap_with_autocast")
    failAtNode("unsupported op '" + name +
               "' (a torch.autocast region): export with examples/export.py, "
               "which writes its casts out (run_decompositions({}))");
  failAtNode("unsupported op '" + name + "'");
}

bool ProgramReader::outputsKnown(const json::Object &node) const {
  const json::Array *outputs = node.getArray("outputs");
  if (!outputs || outputs->empty())
    return false;
  return llvm::all_of(*outputs, [&](const json::Value &output) {
    const json::Object *object = output.getAsObject();
    if (!object)
      return false;
    for (llvm::StringRef kind : {"as_sym_int", "as_sym_bool"}) {
      const json::Object *sym = object->getObject(kind);
      std::optional<llvm::StringRef> name =
          sym ? sym->getString("as_name") : std::nullopt;
      if (name)
        return kind == "as_sym_int" ? knownSymInts.contains(*name)
                                    : knownSymBools.contains(*name);
    }
    return false;
  });
}

void ProgramReader::readGraph(const json::Object &program) {
  const json::Object &module =
      object(program.get("graph_module"), "graph_module");
  const json::Object &graphJson = object(module.get("graph"), "graph");
  const json::Object &signature = object(module.get("signature"), "signature");
  const json::Array &inputs = array(graphJson.get("inputs"), "graph inputs");
  const json::Array &specs =
      array(signature.get("input_specs"), "signature input_specs");
  tensorValues = graphJson.getObject("tensor_values");
  if (const json::Object *syms = graphJson.getObject("sym_int_values"))
    for (const auto &[symName, symValue] : *syms)
      if (const json::Object *fixed = symValue.getAsObject())
        if (std::optional<int64_t> number = fixed->getInteger("as_int"))
          knownSymInts[symName.str()] = *number;
  if (const json::Object *syms = graphJson.getObject("sym_bool_values"))
    for (const auto &[symName, symValue] : *syms)
      if (const json::Object *fixed = symValue.getAsObject())
        if (fixed->getBoolean("as_bool"))
          knownSymBools.insert(symName.str());
  if (inputs.size() != specs.size())
    fail("malformed program: " + std::to_string(inputs.size()) +
         " graph inputs but " + std::to_string(specs.size()) + " input specs");
  llvm::StringMap<torch::jit::Value *> scope;
  values = &scope;
  for (const json::Value &specValue : specs) {
    const json::Object &spec = object(&specValue, "an input spec");
    if (spec.size() != 1)
      fail("malformed program: an input spec of " +
           std::to_string(spec.size()) + " kinds");
    llvm::StringRef kind = spec.begin()->first;
    const json::Object &body = object(&spec.begin()->second, "an input spec");
    const json::Object &arg = object(body.get("arg"), "an input spec's arg");
    std::optional<llvm::StringRef> argName = arg.getString("name");
    if (const json::Object *tensor = arg.getObject("as_tensor"))
      argName = tensor->getString("name");
    if (!argName)
      fail("model input of kind '" + kind +
           "' is not a tensor; dsc imports tensor inputs only");
    torch::jit::Value *input = graph->addInput();
    input->setType(c10::TensorType::get());
    scope[*argName] = input;

    auto moduleTensor =
        [&](llvm::StringRef key) -> std::pair<std::string, at::Tensor> {
      std::optional<llvm::StringRef> fqn = body.getString(key);
      if (!fqn)
        fail("malformed program: a " + kind + " input without its " + key);
      auto it = tensors.find(fqn->str());
      if (it == tensors.end())
        fail("the archive holds no data for " + kind + " '" + *fqn + "'");
      return {fqn->str(), it->second};
    };
    if (kind == "parameter") {
      auto [fqn, tensor] = moduleTensor("parameter_name");
      result.inputs.push_back({GraphInput::Kind::Parameter, fqn, tensor});
      bool tied = llvm::any_of(result.parameters, [&](const NamedTensor &p) {
        return p.tensor.is_same(tensor);
      });
      if (!tied) {
        result.parameters.push_back({fqn, tensor});
        result.weights.push_back({fqn, tensor});
      }
    } else if (kind == "buffer" || kind == "tensor_constant") {
      auto [fqn, tensor] = moduleTensor(
          kind == "buffer" ? "buffer_name" : "tensor_constant_name");
      result.inputs.push_back({GraphInput::Kind::Constant, fqn, tensor});
      if (kind == "buffer" && body.getBoolean("persistent").value_or(true))
        result.weights.push_back({fqn, tensor});
    } else if (kind == "user_input") {
      const json::Object *meta =
          tensorValues ? tensorValues->getObject(*argName) : nullptr;
      if (!meta)
        fail("model input '" + *argName + "' has no recorded shape");
      std::optional<int64_t> dtypeCode = meta->getInteger("dtype");
      std::optional<c10::ScalarType> dtype =
          dtypeCode ? scalarTypeFromSchema(*dtypeCode) : std::nullopt;
      auto sizes = symInts(meta->getArray("sizes"));
      if (!dtype || !sizes)
        fail("model input '" + *argName +
             "' has a dynamic shape or an unsupported dtype; export with "
             "static shapes");
      result.inputs.push_back({GraphInput::Kind::Input, argName->str(),
                               at::zeros(*sizes, at::TensorOptions(*dtype))});
    } else {
      fail("model input '" + *argName + "' is a " + kind +
           ", which dsc does not import");
    }
  }

  for (const json::Value &node : array(graphJson.get("nodes"), "graph nodes"))
    readNode(object(&node, "a node"));

  const json::Array &outputSpecs =
      array(signature.get("output_specs"), "signature output_specs");
  const json::Array &outputs = array(graphJson.get("outputs"), "graph outputs");
  if (outputs.size() != outputSpecs.size())
    fail("malformed program: " + std::to_string(outputs.size()) +
         " outputs but " + std::to_string(outputSpecs.size()) +
         " output specs");
  nodeWhere = "the program's output";
  currentTarget = "the program";
  // The loss first, then the new values of the buffers a functionalised
  // program (core ATen's) returns: BatchNorm's running statistics.
  std::vector<torch::jit::Value *> losses, mutations;
  for (auto [specValue, output] : llvm::zip_equal(outputSpecs, outputs)) {
    const json::Object &spec = object(&specValue, "an output spec");
    // Not `spec.empty() ? "" : spec.begin()->first`: that copies the key
    // into a temporary ObjectKey that dies before `kind` is read.
    llvm::StringRef kind;
    if (!spec.empty())
      kind = spec.begin()->first;
    if (kind != "user_output" && kind != "buffer_mutation")
      fail("the program's outputs include a " + kind +
           " (an in-place update of an input?); dsc imports programs whose "
           "outputs are the loss and new values of buffers");
    const json::Object *tensor =
        object(&output, "an output").getObject("as_tensor");
    std::optional<llvm::StringRef> name =
        tensor ? tensor->getString("name") : std::nullopt;
    if (!name)
      fail("forward must return the scalar loss, but returns something "
           "other than a tensor");
    if (kind == "user_output") {
      losses.push_back(tensorNamed(*name));
      continue;
    }
    std::optional<llvm::StringRef> buffer =
        object(&spec.begin()->second, "a buffer mutation")
            .getString("buffer_name");
    if (!buffer)
      fail("malformed program: a buffer mutation without its buffer_name");
    mutations.push_back(tensorNamed(*name));
    result.bufferUpdates.push_back(buffer->str());
  }
  for (torch::jit::Value *output : losses)
    graph->registerOutput(output);
  for (torch::jit::Value *output : mutations)
    graph->registerOutput(output);
  values = nullptr;
}

ImportedProgram ProgramReader::read() {
  // LibTorch reads the archive without checking its CRCs.
  if (llvm::Error err = rt::verifyZipChecksums(path))
    throw ImportError{llvm::toString(std::move(err))};
  try {
    archive = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const c10::Error &e) {
    fail("not a torch.export archive that LibTorch can open: " +
         std::string(e.what_without_backtrace()));
  }
  json::Value program = parse("models/model.json");
  if (const json::Object *root = program.getAsObject())
    if (const json::Object *version = root->getObject("schema_version"))
      if (version->getInteger("major").value_or(0) != 8)
        fail("export schema version " +
             std::to_string(version->getInteger("major").value_or(0)) +
             " is not the 8 of torch 2.11; export with torch 2.11");
  loadTensors("weights");
  loadTensors("constants");
  result.graph = graph;
  readGraph(object(&program, "models/model.json"));
  return std::move(result);
}

ImportedProgram dsc::ts::readExportedProgram(const std::string &path) {
  return ProgramReader(path).read();
}

bool dsc::isExportedProgram(llvm::StringRef path) {
  try {
    caffe2::serialize::PyTorchStreamReader archive(path.str());
    return archive.hasRecord("models/model.json");
  } catch (const std::exception &) { // c10::Error and the rest
    return false;
  }
}
