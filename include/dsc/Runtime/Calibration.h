//===- Calibration.h - measure this machine for the cost model --*- C++ -*-===//
//
// `ds-run --calibrate hardware.json` times ATen's kernels on this machine
// and writes a hardware description (dsc/Analysis/CostModel.h's JSON) that
// `ds-compile --hardware hardware.json` plans with.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_CALIBRATION_H
#define DSC_RUNTIME_CALIBRATION_H

namespace dsc::rt {

struct Calibration {
  /// fp32 GEMM throughput (operations per second).
  double matmulFlops = 0;
  /// fp32 pointwise throughput on data in cache (operations per second).
  double vectorFlops = 0;
  /// Bytes read plus written per second by a copy far larger than cache.
  double memoryBandwidth = 0;
  /// Physical memory in bytes.
  double memoryBytes = 0;
};

/// Measures with the threads ATen is set to use (setNumThreads); takes a
/// few seconds.
Calibration calibrate();

} // namespace dsc::rt

#endif // DSC_RUNTIME_CALIBRATION_H
