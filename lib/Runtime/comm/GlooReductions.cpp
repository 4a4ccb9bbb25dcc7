//===- GlooReductions.cpp - element arithmetic for Gloo -------------------===//

#include "GlooReductions.h"

#include "gloo/types.h"

#include <algorithm>
#include <cstring>

using namespace dsc::rt;
using namespace dsc::rt::comm;

/// Calls `f` with a null pointer of the C++ type that holds `dtype`.
template <typename F> static void visitNative(DType dtype, F f) {
  switch (dtype) {
  case DType::F64:
    return f(static_cast<double *>(nullptr));
  case DType::F32:
    return f(static_cast<float *>(nullptr));
  case DType::I64:
    return f(static_cast<int64_t *>(nullptr));
  case DType::I32:
    return f(static_cast<int32_t *>(nullptr));
  case DType::I16:
    return f(static_cast<int16_t *>(nullptr));
  case DType::I8:
    return f(static_cast<int8_t *>(nullptr));
  case DType::U8:
  case DType::Bool:
    return f(static_cast<uint8_t *>(nullptr));
  case DType::U16:
    return f(static_cast<uint16_t *>(nullptr));
  case DType::U32:
    return f(static_cast<uint32_t *>(nullptr));
  case DType::U64:
    return f(static_cast<uint64_t *>(nullptr));
  case DType::F16:
  case DType::BF16:
    break;
  }
}

bool comm::reducedInFloat(DType dtype) {
  return dtype == DType::F16 || dtype == DType::BF16;
}

GlooReduceFn comm::reduceFunction(DType dtype, ReduceOp op) {
  GlooReduceFn result;
  visitNative(dtype, [&](auto *tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    if (op == ReduceOp::Max) {
      result = [](void *out, const void *a, const void *b, size_t n) {
        T *o = static_cast<T *>(out);
        const T *x = static_cast<const T *>(a);
        const T *y = static_cast<const T *>(b);
        for (size_t i = 0; i < n; ++i)
          o[i] = std::max(x[i], y[i]);
      };
    } else {
      result = [](void *out, const void *a, const void *b, size_t n) {
        T *o = static_cast<T *>(out);
        const T *x = static_cast<const T *>(a);
        const T *y = static_cast<const T *>(b);
        for (size_t i = 0; i < n; ++i)
          o[i] = static_cast<T>(x[i] + y[i]);
      };
    }
  });
  return result;
}

void comm::divideInPlace(void *data, size_t count, DType dtype, int divisor) {
  visitNative(dtype, [&](auto *tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    T *values = static_cast<T *>(data);
    for (size_t i = 0; i < count; ++i)
      values[i] = static_cast<T>(values[i] / static_cast<T>(divisor));
  });
}

void comm::widenToFloat(const void *in, float *out, size_t count, DType dtype) {
  const uint16_t *bits = static_cast<const uint16_t *>(in);
  for (size_t i = 0; i < count; ++i) {
    if (dtype == DType::BF16) {
      uint32_t word = static_cast<uint32_t>(bits[i]) << 16;
      std::memcpy(&out[i], &word, sizeof(float));
    } else {
      gloo::float16 half;
      half.x = bits[i];
      out[i] = gloo::cpu_half2float(half);
    }
  }
}

void comm::narrowFromFloat(const float *in, void *out, size_t count,
                           DType dtype) {
  uint16_t *bits = static_cast<uint16_t *>(out);
  for (size_t i = 0; i < count; ++i) {
    if (dtype == DType::BF16) {
      uint32_t word;
      std::memcpy(&word, &in[i], sizeof(float));
      if ((word & 0x7fffffffu) > 0x7f800000u) {
        bits[i] = static_cast<uint16_t>((word >> 16) | 0x40); // quiet NaN
        continue;
      }
      word += 0x7fffu + ((word >> 16) & 1u); // round to nearest even
      bits[i] = static_cast<uint16_t>(word >> 16);
    } else {
      bits[i] = gloo::cpu_float2half_rn(in[i]).x;
    }
  }
}
