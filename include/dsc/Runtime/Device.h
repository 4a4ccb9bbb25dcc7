//===- Device.h - where an executor runs: the CPU or a CUDA GPU -*- C++ -*-===//
//
// ds-run runs a plan on the CPU (ATen's CPU kernels) or on one CUDA GPU per
// rank (ATen's CUDA kernels from the same LibTorch). The CPU needs nothing
// more; a CUDA device needs LibTorch's CUDA library (libtorch_cuda), which
// dsc does not link: CPU runs would pay for loading it (~350 MB, ~0.4 s per
// process) and it would tie every ds-run to a CUDA installation.
// `prepareDevice` loads it from beside the libtorch_cpu this process uses,
// before anything asks ATen about CUDA (ATen decides once whether CUDA is
// there), and checks that the GPU exists.
//
// This header does not include ATen.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_DEVICE_H
#define DSC_RUNTIME_DEVICE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dsc::rt {

/// Where an executor keeps its tensors and runs its kernels.
struct Device {
  enum class Kind { CPU, CUDA };
  Kind kind = Kind::CPU;
  /// The GPU's index among those this process sees (CUDA only).
  int index = 0;

  bool isCuda() const { return kind == Kind::CUDA; }
  /// "cpu" or "cuda:N".
  std::string name() const;
};

/// Parses "cpu", "cuda" (GPU 0) or "cuda:N".
llvm::Expected<Device> parseDevice(llvm::StringRef text);

/// Makes `device` usable: for CUDA, loads LibTorch's CUDA kernels (once per
/// process) and checks that GPU `device.index` exists. Errors say what is
/// missing: the library and why it did not load, or how many GPUs there are.
llvm::Error prepareDevice(const Device &device);

/// What loading LibTorch's CUDA library found, for messages and
/// `ds-run --device-info`: its path and CUDA runtime version and the number
/// of GPUs, or why it did not load.
std::string describeCudaSupport();

/// Device memory that the caching allocator of `device` holds for tensors
/// (CUDA only; nullopt on the CPU).
struct DeviceMemoryStats {
  uint64_t allocatedBytes = 0;
  uint64_t peakAllocatedBytes = 0;
};
std::optional<DeviceMemoryStats> deviceMemoryStats(const Device &device);
/// Starts a new peak for deviceMemoryStats (CUDA only).
void resetDevicePeak(const Device &device);

/// Lets ATen's CUDA matrix products and convolutions round float32 inputs
/// to TF32 (torch.backends.cuda.matmul.allow_tf32 and cudnn.allow_tf32).
/// Loading the CUDA library turns both off (PyTorch leaves cuDNN's on):
/// exact unless asked.
void allowTF32(bool allowed);

/// Waits until the kernels and copies enqueued on `device` are done (no-op
/// on the CPU, whose kernels finish before they return).
void synchronizeDevice(const Device &device);

} // namespace dsc::rt

#endif // DSC_RUNTIME_DEVICE_H
