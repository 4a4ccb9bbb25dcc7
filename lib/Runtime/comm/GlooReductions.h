//===- GlooReductions.h - element arithmetic for Gloo -----------*- C++ -*-===//
//
// Gloo reduces untyped buffers with a function it is given; these are the
// functions for dsc's element types, and the float round trip that F16 and
// BF16 sums take so that they are rounded once rather than at every hop.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_COMM_GLOOREDUCTIONS_H
#define DSC_LIB_RUNTIME_COMM_GLOOREDUCTIONS_H

#include "dsc/Runtime/Comm.h"

#include <functional>

namespace dsc::rt::comm {

/// Gloo's reduction callback: out[i] = a[i] op b[i] for n elements.
using GlooReduceFn =
    std::function<void(void *, const void *, const void *, size_t)>;

/// Returns whether `dtype` is reduced in float (F16, BF16).
bool reducedInFloat(DType dtype);

/// Returns the elementwise function of `op` on `dtype` (a sum for `Mean`,
/// which `divideInPlace` completes). `dtype` must not be reduced in float.
GlooReduceFn reduceFunction(DType dtype, ReduceOp op);

/// Divides `count` elements of `data` by `divisor`, in place.
void divideInPlace(void *data, size_t count, DType dtype, int divisor);

/// Converts `count` F16 or BF16 elements to float.
void widenToFloat(const void *in, float *out, size_t count, DType dtype);

/// Converts `count` floats to F16 or BF16, rounding to nearest even.
void narrowFromFloat(const float *in, void *out, size_t count, DType dtype);

} // namespace dsc::rt::comm

#endif // DSC_LIB_RUNTIME_COMM_GLOOREDUCTIONS_H
