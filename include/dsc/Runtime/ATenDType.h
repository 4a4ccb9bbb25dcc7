//===- ATenDType.h - dsc dtypes as ATen scalar types ------------*- C++ -*-===//
//
// The one mapping between the runtime's DType and ATen's ScalarType, for the
// runtime's tensors over plan memory and the importer's weights.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ATENDTYPE_H
#define DSC_RUNTIME_ATENDTYPE_H

#include "dsc/Runtime/DType.h"

#include <c10/core/ScalarType.h>

#include <optional>

namespace dsc::rt {

/// ATen's type for `dtype`; std::nullopt for the unsigned types wider than
/// a byte, which ATen lacks.
inline std::optional<c10::ScalarType> atenType(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return c10::ScalarType::Double;
  case DType::F32:
    return c10::ScalarType::Float;
  case DType::F16:
    return c10::ScalarType::Half;
  case DType::BF16:
    return c10::ScalarType::BFloat16;
  case DType::I64:
    return c10::ScalarType::Long;
  case DType::I32:
    return c10::ScalarType::Int;
  case DType::I16:
    return c10::ScalarType::Short;
  case DType::I8:
    return c10::ScalarType::Char;
  case DType::U8:
    return c10::ScalarType::Byte;
  case DType::Bool:
    return c10::ScalarType::Bool;
  case DType::U16:
  case DType::U32:
  case DType::U64:
    return std::nullopt;
  }
  return std::nullopt;
}

/// The DType of ATen's `type`; std::nullopt for the types a safetensors file
/// of dsc cannot hold (complex, quantized, 8-bit floats).
inline std::optional<DType> dtypeOf(c10::ScalarType type) {
  for (DType dtype :
       {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32,
        DType::I16, DType::I8, DType::U8, DType::Bool})
    if (atenType(dtype) == type)
      return dtype;
  return std::nullopt;
}

} // namespace dsc::rt

#endif // DSC_RUNTIME_ATENDTYPE_H
