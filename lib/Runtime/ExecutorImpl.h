//===- ExecutorImpl.h - the executor's state, shared by its files -*- C++
//-*-===//
//
// Private to lib/Runtime: Executor.cpp checks and runs the program,
// ExecutorMemory.cpp allocates and copies (host or device memory),
// ExecutorData.cpp moves weights, inputs, gradients and parameters in and
// out. Includes ATen.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_EXECUTORIMPL_H
#define DSC_LIB_RUNTIME_EXECUTORIMPL_H

#include "dsc/Runtime/Executor.h"

#include "dsc/Runtime/Device.h"
#include "dsc/Runtime/SwapStaging.h"
#include "dsc/Runtime/SwapTransfers.h"

#include "dsc/Runtime/CollectiveThread.h"

#include "CopyStream.h"
#include "StagedSwap.h"

#include "kernels/ATenKernel.h"
#include "kernels/KernelRegistry.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dsc::rt::exec {

/// Memory from posix_memalign.
struct FreeDeleter {
  void operator()(uint8_t *pointer) const { std::free(pointer); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

/// One instruction ready to run.
struct CompiledInstruction {
  const Instruction *inst = nullptr;
  const kernels::KernelInfo *kernel = nullptr;
  std::vector<at::Tensor> operands;
  /// What the kernel writes: the planned views, or temporaries for results
  /// that overlap an operand.
  std::vector<at::Tensor> results;
  /// (planned view, temporary) pairs copied after the kernel.
  std::vector<std::pair<at::Tensor, at::Tensor>> staged;
  /// Indices into Plan::gradients that this instruction is the first to
  /// read: captured before it runs, when they are complete and still intact
  /// (their bytes may be reused after the last reader, and a gradient that
  /// is a view of a larger buffer has no writer of its own).
  std::vector<size_t> gradientsRead;
  /// Indices into Plan::gradients that nothing reads and this instruction
  /// writes last: captured after it.
  std::vector<size_t> gradients;
  /// For collectives: the group, and its members' world ranks.
  kernels::CollectiveGroup group;
  std::vector<int> groupRanks;
  std::string axes;
  /// For the transfers of swapped tensors: the handle SwapTransfers gave;
  /// on a GPU, CopyStream's, and whether this is the wait.
  std::optional<unsigned> transfer;
  /// StagedSwap's, where the transfers of swap files are staged.
  std::optional<unsigned> swapStaging;
  std::optional<unsigned> copy;
  bool copyWait = false;
  /// A kernel on host memory (an optimizer update on the host): on a GPU
  /// it runs after the host copies in flight, which may read or write it.
  bool onHost = false;
};

/// "instruction 3 'matmul': ", the prefix of an instruction's errors.
std::string instructionPrefix(size_t index, const Instruction &inst);
/// "tensor 5 'name'".
std::string describeTensor(const Plan &plan, uint32_t index);

/// Runs `body`, which calls LibTorch and returns an llvm::Error, turning
/// LibTorch's exceptions into an error that says what failed first.
template <typename Body>
llvm::Error catchTorchErrors(const llvm::Twine &what, Body body) {
  try {
    return body();
  } catch (const c10::Error &e) {
    return llvm::createStringError(
        what + ": " +
        llvm::StringRef(e.what_without_backtrace()).split('\n').first);
  } catch (const std::exception &e) {
    return llvm::createStringError(what + ": " +
                                   llvm::StringRef(e.what()).split('\n').first);
  }
}

} // namespace dsc::rt::exec

namespace dsc::rt {

struct Executor::Impl {
  Plan plan;
  World *world = nullptr;
  int rank = 0;
  Device device;
  /// One-element integer tensors the kernels read on the host.
  kernels::HostScalars scalars{plan};
  std::vector<int64_t> coordinates;
  /// Every allocation: host memory on the CPU, device memory (one ATen
  /// tensor each, from the caching allocator) on a GPU.
  std::vector<exec::AlignedBuffer> hostBuffers;
  /// Device memory, and pinned host memory on a GPU.
  std::vector<at::Tensor> deviceBuffers;
  uint8_t *arena = nullptr;
  uint8_t *constants = nullptr;
  /// Start of every tensor's bytes (null for empty tensors).
  std::vector<uint8_t *> data;
  /// ATen view of every tensor whose dtype ATen knows.
  std::vector<at::Tensor> views;
  std::vector<exec::CompiledInstruction> program;
  /// Gradients no instruction reads or writes: captured after the step.
  std::vector<size_t> lateGradients;
  llvm::StringMap<uint32_t> inputs;
  std::vector<bool> inputSet;
  bool hasParameters = false;
  bool weightsLoaded = false;
  bool captureGradients = false;
  std::vector<TensorCopy> captured;
  std::function<void(size_t)> hook;
  Executor::MemoryUse memoryUse;
  Executor::Timing timing;
  /// This rank's swap space and the plan's transfers, where the plan has
  /// swapped tensors (after the arena: gone before it).
  std::unique_ptr<SwapTransfers> transfers;
  /// On a GPU, the copy stream of the host transfers.
  std::unique_ptr<exec::CopyStream> copies;
  /// On a GPU, each input's pinned buffer and the event of the last copy
  /// out of it.
  struct InputStage {
    at::Tensor pinned;
    c10::Event copied{c10::DeviceType::CUDA};
  };
  std::map<uint32_t, InputStage> inputStages;
  /// While compiling: the copy last started for each host tensor.
  llvm::DenseMap<uint32_t, unsigned> copyStarts;
  /// The staging buffers of swap transfers, where the swap engine cannot
  /// reach the memory (a GPU, or SwapOptions::stage); the start last
  /// compiled of each swap file's transfers.
  std::unique_ptr<exec::StagedSwap> staging;
  SwapStaging stagingPlan;
  llvm::DenseMap<uint32_t, unsigned> stagedStarts;
  /// For every instruction, the async collective to wait for before it
  /// (-1: none; collectiveWaits), and the ticket of each async one in the
  /// current step.
  std::vector<int64_t> waits;
  std::vector<uint64_t> tickets;
  /// What runs on the side thread: the collectives over the network
  /// (setAsyncCollectives), the optimizer updates the plan marks `beside`
  /// (on a GPU, those on the host) and the transfers of what they wrote;
  /// `beside` says it per instruction.
  bool asyncCollectives = false;
  std::vector<bool> beside;
  /// The side thread while something runs beside the compute (last: joined
  /// before the memory its instructions touch is freed).
  std::unique_ptr<exec::CollectiveThread> collectives;

  llvm::Error allocateMemory();
  /// Allocates the staging buffers of the plan's swap transfers.
  llvm::Error allocateStaging();
  /// Allocates `bytes` zeroed bytes aligned to `alignment` on the device
  /// (host memory with `host`); null for zero bytes.
  llvm::Expected<uint8_t *> allocate(uint64_t bytes, uint64_t alignment,
                                     const llvm::Twine &what,
                                     bool host = false);
  /// A byte tensor over `bytes` at `data`: in host memory with `host`,
  /// else on the device.
  at::Tensor bytesAt(const uint8_t *data, size_t bytes, bool host) const;
  /// Copies between host memory and the device's memory at `deviceData`
  /// (an earlier kernel's CUDA error surfaces here too).
  llvm::Error upload(uint8_t *deviceData, llvm::ArrayRef<uint8_t> bytes);
  llvm::Error download(const uint8_t *deviceData,
                       llvm::MutableArrayRef<uint8_t> bytes) const;
  /// Copies input `index`'s `bytes` in: on a GPU through a pinned buffer of
  /// its own, asynchronously on the compute stream (the step's kernels
  /// come after it there; the host goes on at once).
  llvm::Error uploadInput(uint32_t index, llvm::ArrayRef<uint8_t> bytes);
  /// The bytes the device's allocator holds now and at its peak since
  /// resetPeak: ATen's CPU allocator (AllocationCounter.h) or the GPU's
  /// caching allocator.
  uint64_t liveBytes() const;
  uint64_t peakBytes() const;
  void resetPeak() const;
  void createViews();
  llvm::Error compile(size_t index);
  llvm::Error resolveGroup(const Instruction &inst,
                           exec::CompiledInstruction &out);
  llvm::Error connectGroups();
  void assignGradients();
  llvm::Error capture(size_t gradient);
  /// Moves the transfers in flight on (after each instruction).
  llvm::Error pollTransfers();
  /// The instructions of one step, in order.
  llvm::Error runStep();
  /// Whether instruction `index` runs on the side thread.
  bool isAsync(size_t index) const;
  /// Whether instruction `index` would: a collective over the network
  /// (with async collectives), an optimizer update marked `beside` (on a
  /// GPU, one on the host) or a transfer (start and wait) of a tensor one
  /// wrote; `beside` holds the answers for the instructions before.
  bool runsBeside(size_t index) const;
  /// Starts or stops the side thread for what runs beside.
  void configureSideThread();
  /// Waits for every collective in flight (after a failure: they must not
  /// touch memory the caller goes on to reuse); `err` first, if any.
  llvm::Error settle(llvm::Error err);
  llvm::Error runInstruction(exec::CompiledInstruction &compiled, size_t index);
  /// Drops what `scalars` holds of the bytes `compiled` writes.
  void forgetWrittenScalars(const exec::CompiledInstruction &compiled);
};

} // namespace dsc::rt

#endif // DSC_LIB_RUNTIME_EXECUTORIMPL_H
