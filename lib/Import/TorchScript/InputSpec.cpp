//===- InputSpec.cpp - shapes and dtypes of model inputs ------------------===//
//
// Kept apart from the LibTorch files: it needs no LibTorch and compiles fast.
//
//===----------------------------------------------------------------------===//

#include "dsc/Import/TorchScript.h"
#include "dsc/Runtime/BoundedJson.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"

using namespace llvm;
using namespace dsc;

static Error specError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// Maps MLIR-style element type names to dtypes: i64, f32, bf16, ...
static std::optional<rt::DType> parseElementType(StringRef name) {
  return StringSwitch<std::optional<rt::DType>>(name)
      .Case("f64", rt::DType::F64)
      .Case("f32", rt::DType::F32)
      .Case("f16", rt::DType::F16)
      .Case("bf16", rt::DType::BF16)
      .Case("i64", rt::DType::I64)
      .Case("i32", rt::DType::I32)
      .Case("i16", rt::DType::I16)
      .Case("i8", rt::DType::I8)
      .Case("ui8", rt::DType::U8)
      .Case("i1", rt::DType::Bool)
      .Default(std::nullopt);
}

Expected<InputSpec> dsc::parseInputSpec(StringRef text) {
  auto [name, type] = text.split('=');
  if (name.empty() || type.empty())
    return specError("input '" + text +
                     "' must look like NAME=DIMSxTYPE, e.g. tokens=2x16xi64");
  SmallVector<StringRef> parts;
  type.split(parts, 'x');
  InputSpec spec;
  spec.name = name.str();
  std::optional<rt::DType> dtype = parseElementType(parts.back());
  if (!dtype)
    return specError("input '" + text + "': unknown element type '" +
                     parts.back() + "' (use i64, i32, f32, bf16, ...)");
  spec.dtype = *dtype;
  for (StringRef dim : ArrayRef<StringRef>(parts).drop_back()) {
    int64_t size;
    if (dim.getAsInteger(10, size) || size < 0)
      return specError("input '" + text + "': '" + dim +
                       "' is not a dimension size");
    spec.shape.push_back(size);
  }
  return spec;
}

Expected<std::vector<InputSpec>> dsc::parseInputSpecsJson(StringRef text) {
  Expected<json::Value> parsed = parseJsonBounded(text);
  if (!parsed)
    return parsed.takeError();
  const json::Object *root = parsed->getAsObject();
  const json::Array *inputs = root ? root->getArray("inputs") : nullptr;
  if (!inputs)
    return specError("expected an object with an \"inputs\" array");
  std::vector<InputSpec> specs;
  for (const json::Value &entry : *inputs) {
    const json::Object *object = entry.getAsObject();
    std::optional<StringRef> name =
        object ? object->getString("name") : std::nullopt;
    std::optional<StringRef> dtype =
        object ? object->getString("dtype") : std::nullopt;
    const json::Array *shape = object ? object->getArray("shape") : nullptr;
    if (!name || !dtype || !shape)
      return specError("each input needs \"name\", \"shape\" and \"dtype\"");
    std::optional<rt::DType> parsedType = rt::parseDType(*dtype);
    if (!parsedType)
      return specError("input '" + *name + "': unknown dtype '" + *dtype + "'");
    InputSpec spec{name->str(), {}, *parsedType};
    for (const json::Value &dim : *shape) {
      std::optional<int64_t> size = dim.getAsInteger();
      if (!size || *size < 0)
        return specError("input '" + *name + "': bad dimension in shape");
      spec.shape.push_back(*size);
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}
