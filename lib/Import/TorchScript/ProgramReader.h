//===- ProgramReader.h - a torch.export archive's reader -------*- C++ -*-===//
//
// The reader of ExportedProgram.cpp, shared with ExportedArguments.cpp (the
// decoding of node arguments). Private to the TorchScript importer.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_IMPORT_TORCHSCRIPT_PROGRAMREADER_H
#define DSC_LIB_IMPORT_TORCHSCRIPT_PROGRAMREADER_H

#include "ImporterState.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"

#include <caffe2/serialize/inline_container.h>

#include <map>
#include <optional>
#include <string>

namespace dsc::ts {

/// The export schema's ScalarType numbering (schema.py), not c10's.
std::optional<c10::ScalarType> scalarTypeFromSchema(int64_t code);

/// Reads one archive into a TorchScript graph and its tensors.
class ProgramReader {
public:
  explicit ProgramReader(std::string path) : path(std::move(path)) {}

  ImportedProgram read();

private:
  [[noreturn]] void fail(const llvm::Twine &message) const {
    throw ImportError{path + ": " + message.str()};
  }
  /// Stops at the current node, naming its op and Python source line.
  [[noreturn]] void failAtNode(const llvm::Twine &message) const {
    fail(message + " at " + nodeWhere);
  }

  std::string record(const std::string &name);
  llvm::json::Value parse(const std::string &name);
  const llvm::json::Object &object(const llvm::json::Value *value,
                                   const llvm::Twine &what) const;
  const llvm::json::Array &array(const llvm::json::Value *value,
                                 const llvm::Twine &what) const;

  /// The tensor a `tensor_meta` describes over the storage in `file`.
  at::Tensor loadTensor(const std::string &file, const llvm::json::Object &meta,
                        const std::string &name);
  /// The tensors of `data/<kind>/model_<kind>_config.json` by name.
  void loadTensors(const std::string &kind);

  /// The value of a node argument (`as_tensor`, `as_int`, ...), given the
  /// schema type it is passed as.
  torch::jit::Value *argument(const llvm::json::Object &arg,
                              const c10::Argument &formal);
  torch::jit::Value *constant(c10::IValue value);
  torch::jit::Value *tensorNamed(llvm::StringRef name);
  void bind(const llvm::json::Object &output, torch::jit::Value *value);
  /// Types `value` with the dtype and sizes the program records for `name`
  /// (its tensor_values), which the importer's example run must reproduce.
  void recordType(llvm::StringRef name, torch::jit::Value *value);

  void readGraph(const llvm::json::Object &graph);
  void readNode(const llvm::json::Object &node);
  /// Whether every output of `node` is a symbolic size or condition whose
  /// value the export fixed (`sym_size` of a tensor the data sizes, pinned
  /// by a runtime assertion): the node computes a known number.
  bool outputsKnown(const llvm::json::Object &node) const;
  void readAtenNode(const llvm::json::Object &node, llvm::StringRef target);
  void inlineGraph(const llvm::json::Object &node, bool gradEnabled);
  void setSourceRange(torch::jit::Node *node,
                      const llvm::json::Object &jsonNode);

  std::string path;
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> archive;
  std::shared_ptr<torch::jit::Graph> graph =
      std::make_shared<torch::jit::Graph>();
  /// The graph's values by name; a subgraph being inlined gets its own.
  llvm::StringMap<torch::jit::Value *> *values = nullptr;
  /// The recorded dtype and sizes of the (sub)graph's tensors by name.
  const llvm::json::Object *tensorValues = nullptr;
  /// Parameters, buffers and constants by their module names.
  std::map<std::string, at::Tensor> tensors;
  /// Tensors by (file, offset, sizes, strides): tied weights are one.
  std::map<std::string, at::Tensor> byStorage;
  /// Where the node being read comes from (`model.py:12`) and its target
  /// (`aten.nonzero.default`), for messages.
  std::string nodeWhere, currentTarget;
  /// The symbolic integers and booleans the export fixed
  /// (`sym_int_values`, `sym_bool_values` holding a number), by name.
  llvm::StringMap<int64_t> knownSymInts;
  llvm::StringSet<> knownSymBools;
  ImportedProgram result;
};

} // namespace dsc::ts

#endif // DSC_LIB_IMPORT_TORCHSCRIPT_PROGRAMREADER_H
