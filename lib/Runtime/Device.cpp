//===- Device.cpp - the CPU or a CUDA GPU, and LibTorch's CUDA library ----===//

#include "dsc/Runtime/Device.h"

#include <ATen/Context.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/CachingDeviceAllocator.h>

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Path.h"

#include <cstdlib>
#include <dlfcn.h>

using namespace dsc::rt;
using llvm::Twine;

std::string Device::name() const {
  return isCuda() ? "cuda:" + std::to_string(index) : "cpu";
}

llvm::Expected<Device> dsc::rt::parseDevice(llvm::StringRef text) {
  Device device;
  if (text == "cpu")
    return device;
  llvm::StringRef rest = text;
  if (rest.consume_front("cuda")) {
    device.kind = Device::Kind::CUDA;
    if (rest.empty() ||
        (rest.consume_front(":") && !rest.getAsInteger(10, device.index) &&
         device.index >= 0 && device.index < 1024))
      return device;
  }
  return llvm::createStringError("unknown device '" + text +
                                 "': expected cpu, cuda or cuda:N");
}

namespace {

/// LibTorch's CUDA library, loaded once per process.
struct CudaLibrary {
  std::string path;
  /// Why it did not load; empty once it did.
  std::string error;
};

/// The directory of the libtorch_cpu that this process uses.
std::string torchLibraryDirectory() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&at::globalContext), &info) ||
      !info.dli_fname)
    return "";
  return llvm::sys::path::parent_path(info.dli_fname).str();
}

const CudaLibrary &cudaLibrary() {
  static const CudaLibrary library = [] {
    CudaLibrary result;
    // DSC_TORCH_CUDA_LIBRARY names another libtorch_cuda.so; it must come
    // from the same build as the libtorch_cpu in use.
    if (const char *path = std::getenv("DSC_TORCH_CUDA_LIBRARY"))
      result.path = path;
    else if (std::string dir = torchLibraryDirectory(); !dir.empty())
      result.path = dir + "/libtorch_cuda.so";
    else
      result.path = "libtorch_cuda.so";
    // Global: the kernels it registers resolve symbols of its own
    // dependencies (c10_cuda), and other libraries may need them.
    if (!dlopen(result.path.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
      const char *why = dlerror();
      result.error = why ? why : "dlopen failed";
    } else if (!at::detail::getCUDAHooks().hasCUDART()) {
      result.error = "it loaded, but registered no CUDA hooks (was ATen "
                     "asked about CUDA before it loaded?)";
    } else {
      // Exact until allowTF32 says otherwise (PyTorch leaves cuDNN's on).
      dsc::rt::allowTF32(false);
    }
    return result;
  }();
  return library;
}

int gpuCount() { return at::detail::getCUDAHooks().getNumGPUs(); }

} // namespace

std::string dsc::rt::describeCudaSupport() {
  const CudaLibrary &library = cudaLibrary();
  if (!library.error.empty())
    return "LibTorch's CUDA kernels are not available: cannot load " +
           library.path + ": " + library.error;
  long version = at::detail::getCUDAHooks().versionCUDART();
  int gpus = gpuCount();
  return (Twine("LibTorch's CUDA kernels from ") + library.path +
          " (CUDA runtime " + Twine(version / 1000) + "." +
          Twine(version % 1000 / 10) + "), " + Twine(gpus) + " GPU" +
          (gpus == 1 ? "" : "s") + " visible")
      .str();
}

llvm::Error dsc::rt::prepareDevice(const Device &device) {
  if (!device.isCuda())
    return llvm::Error::success();
  if (!cudaLibrary().error.empty())
    return llvm::createStringError("--device " + device.name() + ": " +
                                   describeCudaSupport());
  int gpus = gpuCount();
  if (device.index >= gpus)
    return llvm::createStringError(
        "--device " + device.name() + ": " +
        (gpus == 0 ? Twine("no GPU is visible (") + describeCudaSupport() + ")"
                   : "this process sees " + Twine(gpus) + " GPU" +
                         (gpus == 1 ? "" : "s")));
  return llvm::Error::success();
}

std::optional<DeviceMemoryStats>
dsc::rt::deviceMemoryStats(const Device &device) {
  if (!device.isCuda())
    return std::nullopt;
  auto stats =
      c10::getDeviceAllocator(c10::DeviceType::CUDA)
          ->getDeviceStats(static_cast<c10::DeviceIndex>(device.index));
  constexpr size_t all =
      static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  DeviceMemoryStats result;
  result.allocatedBytes = stats.allocated_bytes[all].current;
  result.peakAllocatedBytes = stats.allocated_bytes[all].peak;
  return result;
}

void dsc::rt::resetDevicePeak(const Device &device) {
  if (device.isCuda())
    c10::getDeviceAllocator(c10::DeviceType::CUDA)
        ->resetPeakStats(static_cast<c10::DeviceIndex>(device.index));
}

void dsc::rt::allowTF32(bool allowed) {
  at::globalContext().setAllowTF32CuBLAS(allowed);
  at::globalContext().setAllowTF32CuDNN(allowed);
}

void dsc::rt::synchronizeDevice(const Device &device) {
  if (device.isCuda())
    at::detail::getCUDAHooks().deviceSynchronize(
        static_cast<c10::DeviceIndex>(device.index));
}
