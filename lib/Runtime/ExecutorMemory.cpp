//===- ExecutorMemory.cpp - the executor's allocations and copies ---------===//
//
// Every allocation is made once, at create: host memory (posix_memalign) on
// the CPU, one device tensor each from ATen's caching allocator on a GPU.
// Host memory reaches the device's through upload and download.
//
//===----------------------------------------------------------------------===//

#include "ExecutorImpl.h"

#include "dsc/Runtime/ATenDType.h"
#include "dsc/Runtime/AllocationCounter.h"
#include "dsc/Runtime/PlanMemory.h"

#include "llvm/Support/MathExtras.h"

#include <c10/core/impl/VirtualGuardImpl.h>

#include <algorithm>
#include <cstring>
#include <unistd.h>

using namespace dsc::rt;
using namespace dsc::rt::exec;
using namespace dsc::rt::kernels;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Persistent tensors and constants are aligned at least this much, which
/// is what vectorised ATen kernels like.
constexpr uint64_t kMinAlignment = 64;

/// Allocates `bytes` zeroed bytes aligned to `alignment`; a null buffer for
/// zero bytes.
llvm::Expected<AlignedBuffer> allocate(uint64_t bytes, uint64_t alignment,
                                       const Twine &what) {
  if (bytes == 0)
    return AlignedBuffer();
  alignment = std::max<uint64_t>(alignment, sizeof(void *));
  void *pointer = nullptr;
  if (bytes > SIZE_MAX || posix_memalign(&pointer, alignment, bytes) != 0)
    return llvm::createStringError("cannot allocate " + Twine(bytes) +
                                   " bytes for " + what);
  std::memset(pointer, 0, bytes);
  return AlignedBuffer(static_cast<uint8_t *>(pointer));
}

} // namespace

/// The machine's physical memory in bytes, if known.
std::optional<uint64_t> physicalMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0)
    return std::nullopt;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize);
}

llvm::Expected<uint8_t *> Executor::Impl::allocate(uint64_t bytes,
                                                   uint64_t alignment,
                                                   const Twine &what,
                                                   bool host) {
  if (bytes == 0)
    return nullptr;
  if (host && device.isCuda()) {
    // Pinned, so that the copy stream's transfers are asynchronous.
    at::Tensor buffer =
        at::zeros({static_cast<int64_t>(bytes)},
                  at::TensorOptions().dtype(at::kByte).pinned_memory(true));
    if (reinterpret_cast<uintptr_t>(buffer.data_ptr()) % alignment)
      return llvm::createStringError("pinned host memory for " + what +
                                     " is not aligned to " + Twine(alignment) +
                                     " bytes");
    deviceBuffers.push_back(buffer);
    return static_cast<uint8_t *>(buffer.data_ptr());
  }
  if (host || !device.isCuda()) {
    auto buffer = ::allocate(bytes, alignment, what);
    if (!buffer)
      return buffer.takeError();
    hostBuffers.push_back(std::move(*buffer));
    return hostBuffers.back().get();
  }
  // The caching allocator aligns its blocks to 512 bytes.
  if (alignment > 512)
    return llvm::createStringError("cannot align " + what + " to " +
                                   Twine(alignment) +
                                   " bytes in device memory (at most 512)");
  at::Tensor buffer =
      at::zeros({static_cast<int64_t>(bytes)},
                at::TensorOptions().dtype(at::kByte).device(
                    at::kCUDA, static_cast<c10::DeviceIndex>(device.index)));
  deviceBuffers.push_back(buffer);
  return static_cast<uint8_t *>(buffer.data_ptr());
}

/// A byte tensor over `bytes` at `data` on `device`.
static at::Tensor byteView(const uint8_t *data, size_t bytes,
                           const Device &device) {
  auto options = at::TensorOptions().dtype(at::kByte);
  if (device.isCuda())
    options =
        options.device(at::kCUDA, static_cast<c10::DeviceIndex>(device.index));
  return at::from_blob(const_cast<uint8_t *>(data),
                       {static_cast<int64_t>(bytes)}, options);
}

at::Tensor Executor::Impl::bytesAt(const uint8_t *data, size_t bytes,
                                   bool host) const {
  return byteView(data, bytes, host ? Device() : device);
}

llvm::Error Executor::Impl::upload(uint8_t *deviceData,
                                   llvm::ArrayRef<uint8_t> bytes) {
  if (bytes.empty())
    return llvm::Error::success();
  if (!device.isCuda()) {
    std::memcpy(deviceData, bytes.data(), bytes.size());
    return llvm::Error::success();
  }
  return catchTorchErrors("copying to " + device.name(), [&] {
    byteView(deviceData, bytes.size(), device)
        .copy_(byteView(bytes.data(), bytes.size(), Device()));
    return llvm::Error::success();
  });
}

llvm::Error
Executor::Impl::download(const uint8_t *deviceData,
                         llvm::MutableArrayRef<uint8_t> bytes) const {
  if (bytes.empty())
    return llvm::Error::success();
  if (!device.isCuda()) {
    std::memcpy(bytes.data(), deviceData, bytes.size());
    return llvm::Error::success();
  }
  return catchTorchErrors("copying from " + device.name(), [&] {
    byteView(bytes.data(), bytes.size(), Device())
        .copy_(byteView(deviceData, bytes.size(), device));
    return llvm::Error::success();
  });
}

llvm::Error Executor::Impl::uploadInput(uint32_t index,
                                        llvm::ArrayRef<uint8_t> bytes) {
  if (!device.isCuda() || bytes.empty())
    return upload(data[index], bytes);
  return catchTorchErrors("copying an input to " + device.name(), [&] {
    InputStage &stage = inputStages[index];
    if (!stage.pinned.defined())
      stage.pinned =
          at::empty({static_cast<int64_t>(bytes.size())},
                    at::TensorOptions().dtype(at::kByte).pinned_memory(true));
    else
      stage.copied.synchronize(); // the last copy out of it is over
    std::memcpy(stage.pinned.data_ptr(), bytes.data(), bytes.size());
    byteView(data[index], bytes.size(), device)
        .copy_(stage.pinned, /*non_blocking=*/true);
    c10::impl::VirtualGuardImpl guard(c10::DeviceType::CUDA);
    stage.copied.record(guard.getStream(c10::Device(
        c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(device.index))));
    return llvm::Error::success();
  });
}

uint64_t Executor::Impl::liveBytes() const {
  if (std::optional<DeviceMemoryStats> stats = deviceMemoryStats(device))
    return stats->allocatedBytes;
  return allocations::liveBytes();
}

uint64_t Executor::Impl::peakBytes() const {
  if (std::optional<DeviceMemoryStats> stats = deviceMemoryStats(device))
    return stats->peakAllocatedBytes;
  return allocations::peakBytes();
}

void Executor::Impl::resetPeak() const {
  if (device.isCuda())
    resetDevicePeak(device);
  else
    allocations::resetPeak();
}

llvm::Error Executor::Impl::allocateMemory() {
  // Refused up front: with overcommit, allocating more than the machine has
  // succeeds and zeroing it summons the OOM killer.
  uint64_t needed = llvm::SaturatingAdd(staticMemoryBytes(plan),
                                        storedBytes(plan, Storage::Host));
  if (std::optional<uint64_t> memory = physicalMemory();
      !device.isCuda() && memory && needed > *memory)
    return llvm::createStringError(
        "the plan needs " + Twine(needed) + " bytes of memory (arena " +
        Twine(plan.arenaBytes) + ", parameters, state, inputs and constants " +
        Twine(needed - plan.arenaBytes) + "); this machine has " +
        Twine(*memory));

  auto arenaBuffer =
      allocate(plan.arenaBytes, plan.arenaAlignment, "the arena");
  if (!arenaBuffer)
    return arenaBuffer.takeError();
  arena = *arenaBuffer;
  memoryUse.staticBytes += plan.arenaBytes;

  auto constantBuffer =
      allocate(plan.constants.size(), kMinAlignment, "the constants");
  if (!constantBuffer)
    return constantBuffer.takeError();
  constants = *constantBuffer;
  memoryUse.staticBytes += plan.constants.size();
  if (llvm::Error err = upload(constants, plan.constants))
    return err;

  data.assign(plan.tensors.size(), nullptr);
  for (auto [index, desc] : llvm::enumerate(plan.tensors)) {
    uint64_t bytes = desc.numBytes();
    switch (desc.storage) {
    case Storage::Arena:
      data[index] = bytes ? arena + desc.offset : nullptr;
      break;
    case Storage::Constant: {
      if (!desc.splat || !bytes) {
        data[index] = bytes ? constants + desc.offset : nullptr;
        break;
      }
      // A splat is written out once, at load.
      auto buffer = allocate(bytes, kMinAlignment, describeTensor(plan, index));
      if (!buffer)
        return buffer.takeError();
      memoryUse.staticBytes += bytes;
      data[index] = *buffer;
      size_t size = dtypeSize(desc.dtype);
      std::vector<uint8_t> splat(bytes);
      for (uint64_t at = 0; at < bytes; at += size)
        std::memcpy(splat.data() + at, plan.constants.data() + desc.offset,
                    size);
      if (llvm::Error err = upload(data[index], splat))
        return err;
      break;
    }
    case Storage::Swapped:
      break; // in a swap file (SwapTransfers)
    case Storage::Parameter:
    case Storage::State:
    case Storage::Input:
    case Storage::Host: {
      // Zero, as state starts; host memory is not the device's.
      bool host = desc.storage == Storage::Host;
      auto buffer =
          allocate(bytes, kMinAlignment, describeTensor(plan, index), host);
      if (!buffer)
        return buffer.takeError();
      (host ? memoryUse.hostBytes : memoryUse.staticBytes) += bytes;
      data[index] = *buffer;
      break;
    }
    }
  }
  return llvm::Error::success();
}

llvm::Error Executor::Impl::allocateStaging() {
  stagingPlan = planSwapStaging(plan);
  auto allocation =
      allocate(stagingPlan.totalBytes, SwapStaging::kPageAlignment,
               "the swap staging buffers", /*host=*/true);
  if (!allocation)
    return allocation.takeError();
  memoryUse.stagingBytes += stagingPlan.totalBytes;

  if (device.isCuda() && !copies)
    copies = std::make_unique<CopyStream>(device);
  staging = std::make_unique<StagedSwap>(
      *transfers, copies.get(),
      bytesAt(*allocation, stagingPlan.totalBytes, /*host=*/true));
  return llvm::Error::success();
}

void Executor::Impl::createViews() {
  views.resize(plan.tensors.size());
  for (auto [index, desc] : llvm::enumerate(plan.tensors)) {
    std::optional<at::ScalarType> type = atenType(desc.dtype);
    if (!type || desc.storage == Storage::Swapped)
      continue;
    auto options = at::TensorOptions().dtype(*type);
    if (device.isCuda() && desc.storage != Storage::Host)
      options = options.device(at::kCUDA,
                               static_cast<c10::DeviceIndex>(device.index));
    if (data[index])
      views[index] = at::from_blob(data[index], desc.shape, options);
    else
      views[index] = at::empty(desc.shape, options);
  }
}
