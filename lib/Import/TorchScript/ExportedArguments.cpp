//===- ExportedArguments.cpp - a torch.export node's arguments ------------===//
//
// Decodes one argument of a node of a torch.export program (`as_tensor`,
// `as_int`, `as_sym_int`, `as_scalar_type`, ...) into a TorchScript value
// of the type the operator's schema gives it: named tensors, constants, and
// symbolic numbers the export fixed.
//
//===----------------------------------------------------------------------===//

#include "ProgramReader.h"

#include <cmath>

using namespace dsc;
using namespace dsc::ts;
namespace json = llvm::json;

std::optional<c10::ScalarType> dsc::ts::scalarTypeFromSchema(int64_t code) {
  switch (code) {
  case 1:
    return c10::ScalarType::Byte;
  case 2:
    return c10::ScalarType::Char;
  case 3:
    return c10::ScalarType::Short;
  case 4:
    return c10::ScalarType::Int;
  case 5:
    return c10::ScalarType::Long;
  case 6:
    return c10::ScalarType::Half;
  case 7:
    return c10::ScalarType::Float;
  case 8:
    return c10::ScalarType::Double;
  case 9:
    return c10::ScalarType::ComplexHalf;
  case 10:
    return c10::ScalarType::ComplexFloat;
  case 11:
    return c10::ScalarType::ComplexDouble;
  case 12:
    return c10::ScalarType::Bool;
  case 13:
    return c10::ScalarType::BFloat16;
  default:
    return std::nullopt;
  }
}

namespace {

/// The export schema's Layout and MemoryFormat numbering, as c10's.
std::optional<c10::Layout> layoutFromSchema(int64_t code) {
  if (code == 7)
    return c10::Layout::Strided;
  return std::nullopt;
}
std::optional<c10::MemoryFormat> memoryFormatFromSchema(int64_t code) {
  switch (code) {
  case 1:
    return c10::MemoryFormat::Contiguous;
  case 2:
    return c10::MemoryFormat::ChannelsLast;
  case 3:
    return c10::MemoryFormat::ChannelsLast3d;
  case 4:
    return c10::MemoryFormat::Preserve;
  default:
    return std::nullopt;
  }
}

} // namespace

torch::jit::Value *ProgramReader::argument(const json::Object &arg,
                                           const c10::Argument &formal) {
  if (arg.size() != 1)
    failAtNode("malformed program: an argument of '" + formal.name() +
               "' holds " + std::to_string(arg.size()) + " kinds");
  llvm::StringRef kind = arg.begin()->first;
  const json::Value &value = arg.begin()->second;
  auto malformed = [&]() -> torch::jit::Value * {
    failAtNode("malformed program: argument '" + formal.name() + "' (" + kind +
               ")");
  };
  auto name = [&](const json::Value &item) -> torch::jit::Value * {
    const json::Object *object = item.getAsObject();
    std::optional<llvm::StringRef> text =
        object ? object->getString("name") : std::nullopt;
    return text ? tensorNamed(*text) : malformed();
  };
  auto number = [&](const json::Value &item) -> std::optional<double> {
    if (std::optional<double> number = item.getAsNumber())
      return number;
    // JSON has no infinities: the archive spells them as strings.
    std::optional<llvm::StringRef> text = item.getAsString();
    if (text == "Infinity")
      return INFINITY;
    if (text == "-Infinity")
      return -INFINITY;
    if (text == "NaN")
      return NAN;
    return std::nullopt;
  };
  // A Tensor given as a Python number: a 0-d tensor that promotes as the
  // number PyTorch was given. For `self` (`1 - x`: sub.Tensor(1, x), which
  // has no Scalar overload) and booleans (`mask + True`); another number
  // (`x * 0.5`: mul.Tensor(x, 0.5)) stays one, and the node is the
  // Scalar overload (mul.Scalar), as TorchScript records it.
  auto numberAsTensor = [&](const at::Scalar &number) -> torch::jit::Value * {
    if (!number.isBoolean() && formal.name() != "self")
      return nullptr;
    c10::TypePtr formalType = formal.type();
    if (auto optional = formalType->cast<c10::OptionalType>())
      formalType = optional->getElementType();
    if (formalType->kind() != c10::TypeKind::TensorType)
      return nullptr;
    at::Tensor wrapped = at::scalar_tensor(number, number.type());
    wrapped.unsafeGetTensorImpl()->set_wrapped_number(true);
    return constant(wrapped);
  };
  if (kind == "as_none")
    return constant(c10::IValue());
  if (kind == "as_tensor")
    return name(value);
  if (kind == "as_tensors" || kind == "as_optional_tensors") {
    const json::Array *items = value.getAsArray();
    if (!items)
      return malformed();
    std::vector<torch::jit::Value *> elements;
    bool optional = kind == "as_optional_tensors";
    for (const json::Value &item : *items) {
      const json::Object *object = item.getAsObject();
      if (!optional)
        elements.push_back(name(item));
      else if (object && object->get("as_tensor"))
        elements.push_back(name(*object->get("as_tensor")));
      else if (object && object->get("as_none"))
        elements.push_back(constant(c10::IValue()));
      else
        return malformed();
    }
    c10::TypePtr element = c10::TensorType::get();
    if (optional)
      element = c10::OptionalType::create(element);
    return graph->insertNode(graph->createList(element, elements))->output();
  }
  if (kind == "as_int" || kind == "as_sym_int") {
    std::optional<int64_t> number = value.getAsInteger();
    if (kind == "as_sym_int" && value.getAsObject()) {
      const json::Object &sym = *value.getAsObject();
      number = sym.getInteger("as_int");
      if (std::optional<llvm::StringRef> symName = sym.getString("as_name"))
        if (auto known = knownSymInts.find(*symName);
            known != knownSymInts.end())
          number = known->second;
    }
    if (!number)
      failAtNode("argument '" + formal.name() +
                 "' is a symbolic size; dsc imports programs exported with "
                 "static shapes only");
    if (torch::jit::Value *tensor = numberAsTensor(*number))
      return tensor;
    return constant(*number);
  }
  if (kind == "as_ints" || kind == "as_sym_ints") {
    const json::Array *items = value.getAsArray();
    if (!items)
      return malformed();
    c10::List<int64_t> list;
    for (const json::Value &item : *items) {
      std::optional<int64_t> number = item.getAsInteger();
      if (!number && item.getAsObject())
        number = item.getAsObject()->getInteger("as_int");
      if (!number)
        failAtNode("argument '" + formal.name() +
                   "' holds a symbolic size; dsc imports programs exported "
                   "with static shapes only");
      list.push_back(*number);
    }
    return constant(list);
  }
  if (kind == "as_float" || kind == "as_sym_float") {
    std::optional<double> x = number(value);
    if (!x && value.getAsObject())
      if (const json::Value *inner = value.getAsObject()->get("as_float"))
        x = number(*inner);
    if (!x)
      return malformed();
    if (torch::jit::Value *tensor = numberAsTensor(*x))
      return tensor;
    return constant(*x);
  }
  if (kind == "as_floats") {
    const json::Array *items = value.getAsArray();
    if (!items)
      return malformed();
    c10::List<double> list;
    for (const json::Value &item : *items) {
      std::optional<double> x = number(item);
      if (!x)
        return malformed();
      list.push_back(*x);
    }
    return constant(list);
  }
  if (kind == "as_bool" || kind == "as_sym_bool") {
    std::optional<bool> flag = value.getAsBoolean();
    if (!flag && value.getAsObject())
      flag = value.getAsObject()->getBoolean("as_bool");
    if (!flag)
      return malformed();
    // A Scalar given as a bool (`full(size, True)`): TorchScript's Scalar
    // is a number, so pass 1 or 0; the op's dtype keeps it boolean.
    if (formal.type()->kind() == c10::TypeKind::NumberType)
      return constant(static_cast<int64_t>(*flag));
    if (torch::jit::Value *tensor = numberAsTensor(*flag))
      return tensor;
    return constant(*flag);
  }
  if (kind == "as_bools") {
    const json::Array *items = value.getAsArray();
    if (!items)
      return malformed();
    c10::List<bool> list;
    for (const json::Value &item : *items) {
      std::optional<bool> flag = item.getAsBoolean();
      if (!flag)
        return malformed();
      list.push_back(*flag);
    }
    return constant(list);
  }
  if (kind == "as_string") {
    std::optional<llvm::StringRef> text = value.getAsString();
    return text ? constant(text->str()) : malformed();
  }
  if (kind == "as_scalar_type") {
    std::optional<int64_t> code = value.getAsInteger();
    std::optional<c10::ScalarType> type =
        code ? scalarTypeFromSchema(*code) : std::nullopt;
    if (!type)
      failAtNode("argument '" + formal.name() +
                 "' names a dtype dsc does not support");
    return constant(static_cast<int64_t>(*type));
  }
  if (kind == "as_layout") {
    std::optional<int64_t> code = value.getAsInteger();
    std::optional<c10::Layout> layout =
        code ? layoutFromSchema(*code) : std::nullopt;
    if (!layout)
      failAtNode("argument '" + formal.name() +
                 "' asks for a sparse layout, which dsc does not support");
    return constant(static_cast<int64_t>(*layout));
  }
  if (kind == "as_memory_format") {
    std::optional<int64_t> code = value.getAsInteger();
    std::optional<c10::MemoryFormat> format =
        code ? memoryFormatFromSchema(*code) : std::nullopt;
    return format ? constant(static_cast<int64_t>(*format)) : malformed();
  }
  if (kind == "as_device") {
    const json::Object *device = value.getAsObject();
    std::optional<llvm::StringRef> type =
        device ? device->getString("type") : std::nullopt;
    if (!type)
      return malformed();
    // Every tensor of a dsc step lives where the plan puts it: a program
    // traced on one device names that device, which dsc reads as the host.
    return constant(c10::Device(c10::kCPU));
  }
  failAtNode("argument '" + formal.name() + "' is passed as '" + kind +
             "', which dsc does not import");
}
