//===- DType.cpp - element types of runtime tensors -----------------------===//

#include "dsc/Runtime/DType.h"

#include "llvm/Support/Endian.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"

using namespace dsc::rt;

llvm::StringRef dsc::rt::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return "F64";
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::I64:
    return "I64";
  case DType::I32:
    return "I32";
  case DType::I16:
    return "I16";
  case DType::I8:
    return "I8";
  case DType::U8:
    return "U8";
  case DType::U16:
    return "U16";
  case DType::U32:
    return "U32";
  case DType::U64:
    return "U64";
  case DType::Bool:
    return "BOOL";
  }
  llvm_unreachable("unknown DType");
}

std::optional<DType> dsc::rt::parseDType(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("F64", DType::F64)
      .Case("F32", DType::F32)
      .Case("F16", DType::F16)
      .Case("BF16", DType::BF16)
      .Case("I64", DType::I64)
      .Case("I32", DType::I32)
      .Case("I16", DType::I16)
      .Case("I8", DType::I8)
      .Case("U8", DType::U8)
      .Case("U16", DType::U16)
      .Case("U32", DType::U32)
      .Case("U64", DType::U64)
      .Case("BOOL", DType::Bool)
      .Default(std::nullopt);
}

size_t dsc::rt::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
  case DType::U64:
    return 8;
  case DType::F32:
  case DType::I32:
  case DType::U32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
  case DType::U16:
    return 2;
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  }
  llvm_unreachable("unknown DType");
}

bool dsc::rt::isIntegerDType(DType dtype) {
  switch (dtype) {
  case DType::I64:
  case DType::I32:
  case DType::I16:
  case DType::I8:
  case DType::U8:
  case DType::U16:
  case DType::U32:
  case DType::U64:
    return true;
  default:
    return false;
  }
}

int64_t dsc::rt::loadInteger(DType dtype, const uint8_t *data) {
  using namespace llvm::support::endian;
  switch (dtype) {
  case DType::I64:
    return static_cast<int64_t>(read64le(data));
  case DType::I32:
    return static_cast<int32_t>(read32le(data));
  case DType::I16:
    return static_cast<int16_t>(read16le(data));
  case DType::I8:
    return static_cast<int8_t>(data[0]);
  case DType::U8:
    return data[0];
  case DType::U16:
    return read16le(data);
  case DType::U32:
    return read32le(data);
  case DType::U64: {
    uint64_t v = read64le(data);
    return v > uint64_t(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
  }
  default:
    llvm_unreachable("not an integer dtype");
  }
}
