//===- DType.h - element types of runtime tensors ---------------*- C++ -*-===//
//
// The element types that dsc's runtime moves between files and devices, named
// as the safetensors format names them.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_DTYPE_H
#define DSC_RUNTIME_DTYPE_H

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace dsc::rt {

/// The element type of a tensor.
enum class DType : uint8_t {
  F64,
  F32,
  F16,
  BF16,
  I64,
  I32,
  I16,
  I8,
  U8,
  U16,
  U32,
  U64,
  Bool,
};

/// Returns the safetensors name of `dtype`: "F32", "BF16", "I64", "BOOL", ...
llvm::StringRef dtypeName(DType dtype);

/// Parses a safetensors dtype name; returns std::nullopt for names this
/// runtime does not know.
std::optional<DType> parseDType(llvm::StringRef name);

/// Returns the size in bytes of one element of `dtype` (1 for `Bool`).
size_t dtypeSize(DType dtype);

/// Whether `dtype` is an integer type (signed or unsigned, not `Bool`).
bool isIntegerDType(DType dtype);

/// The integer element at `data` (little-endian, of integer `dtype`); U64
/// values above INT64_MAX are returned as INT64_MAX.
int64_t loadInteger(DType dtype, const uint8_t *data);

} // namespace dsc::rt

#endif // DSC_RUNTIME_DTYPE_H
