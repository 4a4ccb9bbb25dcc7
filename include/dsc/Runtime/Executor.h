//===- Executor.h - runs a plan on the CPU or a GPU -------------*- C++ -*-===//
//
// The executor loads a validated Plan, checks every instruction against the
// kernel table, allocates the arena once and the persistent tensors
// (parameters, optimizer state, inputs) once, and then runs the instruction
// list once per step with ATen kernels writing into the planned buffers:
// the CPU's, or on a CUDA device (Device.h) the same kernels' CUDA
// implementations, with the arena and the persistent tensors in device
// memory.
// A plan whose mesh has several ranks runs on a `World` (Comm.h): every rank
// creates an executor for the same plan, and collective instructions run on
// the communicators of their mesh axes.
//
// This header does not include ATen: tools and tests that only move bytes
// compile without LibTorch's headers.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_EXECUTOR_H
#define DSC_RUNTIME_EXECUTOR_H

#include "dsc/Runtime/Device.h"
#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/SafeTensors.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dsc::rt {

class World;
struct SwapOptions;
struct TransferStats;

/// A copy of a tensor taken during a step, named as its parameter.
struct TensorCopy {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// Runs the instructions of one plan, step after step.
class Executor {
public:
  /// Validates `plan` (validatePlan), checks every instruction against the
  /// kernel table (known kernel, operand and result counts, dtypes, shapes
  /// and attributes) and allocates all memory. Errors name the instruction
  /// (`instruction 3 'matmul': ...`) or the tensor.
  ///
  /// `world` connects this rank to the others of a run; this rank is
  /// `world->rank()`, and the world must have as many ranks as the plan's
  /// mesh (meshRanks). Without a world the executor is rank 0 of one, and
  /// the mesh must have one rank. Every rank then creates the communicators
  /// of the collectives' mesh axes, in plan order (a collective step that
  /// waits up to the world's timeout for the group's other ranks). The
  /// world must outlive the executor.
  ///
  /// A plan with swapped tensors (optimizer state on NVMe, -ds-offload)
  /// needs `swap`: the executor opens this rank's swap space there
  /// (SwapEngine) and creates each tensor's file, zero, before the first
  /// step; `reload` and `offload` read and write them.
  ///
  /// On a CUDA `device` (prepareDevice) every allocation but host memory
  /// is device memory, the world's collectives must be NCCL's, and plans
  /// with offloaded tensors are refused (not supported yet); on the CPU
  /// they must be Gloo's.
  static llvm::Expected<std::unique_ptr<Executor>>
  create(Plan plan, World *world = nullptr, const SwapOptions *swap = nullptr,
         Device device = {});

  /// What opening the swap space had to say (stale files of a dead run
  /// removed), or "".
  llvm::StringRef swapNotice() const;
  /// What the transfers to and from the swap space did so far; null
  /// without a swap space.
  const TransferStats *transferStats() const;

  ~Executor();
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  const Plan &plan() const;

  /// Returns this rank (0 without a world).
  int rank() const;
  /// Returns this rank's mesh coordinates, one per mesh axis.
  llvm::ArrayRef<int64_t> meshCoordinates() const;

  /// Returns the size of the arena allocation: exactly Plan::arenaBytes.
  uint64_t arenaBytes() const;
  /// Where the tensors live and the kernels run.
  const Device &device() const;

  /// The memory this rank used (PlanMemory.h has what the plan predicts).
  struct MemoryUse {
    /// Bytes allocated at creation: the arena, constants, parameters,
    /// state, inputs and expanded splats.
    uint64_t staticBytes = 0;
    /// Bytes of offloaded state allocated in host memory (Storage::Host),
    /// apart from the device's.
    uint64_t hostBytes = 0;
    /// Bytes of the host buffers that swap transfers are staged through
    /// (SwapStaging.h; pinned on a GPU).
    uint64_t stagingBytes = 0;
    /// The most bytes ATen's allocator held during a step beyond what it
    /// held when the step began: results of kernels that could not write
    /// into the arena, and their workspaces. On the CPU ATen's CPU
    /// allocator (AllocationCounter.h), on a GPU its caching allocator.
    /// Counted for the whole process (device), so only meaningful with one
    /// executor stepping at a time.
    uint64_t peakOutsideArena = 0;
    /// Per instruction, the most ATen's allocator held while it ran beyond
    /// what it held when it started: the kernel's temporaries.
    std::vector<uint64_t> outsideArenaByInstruction;
  };
  MemoryUse memoryUse() const;

  /// The wall-clock time each instruction took, summed over the steps run
  /// (steady clock around the kernel; gradient copies and hooks excluded).
  struct Timing {
    unsigned steps = 0;
    std::vector<double> secondsByInstruction;
    /// With async collectives: the waits for them (setAsyncCollectives),
    /// how many found the collective already done, and the seconds spent
    /// waiting, over all steps.
    unsigned collectiveWaits = 0;
    unsigned collectivesDoneAtWait = 0;
    double collectiveWaitSeconds = 0;
  };
  const Timing &timing() const;

  /// Copies every Parameter tensor from `weights`, which must hold a tensor
  /// of that name with the exact dtype and shape; other tensors in the file
  /// are ignored. On error no parameter has changed.
  llvm::Error loadWeights(const SafeTensorsFile &weights);

  /// Copies every Input tensor from the tensor of the same name and dtype
  /// in `inputs`. The file holds global tensors: an input split over the
  /// mesh (TensorDesc::shardAxes) must have the shape of the user's data
  /// there (dataShape in Mesh.h: its global shape, before the padding the
  /// compiler may have added), and this rank takes its block, zeros where
  /// it lies in the padding; other inputs have their plan shape.
  llvm::Error loadInputs(const SafeTensorsFile &inputs);

  /// Sets the Input tensor `name` to `bytes` (little-endian, row-major,
  /// exactly the tensor's local size: this rank's block of a split input).
  llvm::Error setInput(llvm::StringRef name, llvm::ArrayRef<uint8_t> bytes);

  /// Runs all instructions once. Fails before running anything if the plan
  /// has parameters and no weights were loaded, or an input was never set;
  /// a kernel's error names the instruction.
  llvm::Error step();

  /// Returns the loss of the last step (the plan's loss tensor as a double).
  double loss() const;

  /// With `enabled`, the following steps copy every gradient of
  /// Plan::gradients right after the instruction that completes it (arena
  /// memory may be reused later in the step); capturedGradients() then
  /// returns them in plan order, named as their parameters.
  void setCaptureGradients(bool enabled);
  llvm::ArrayRef<TensorCopy> capturedGradients() const;

  /// Returns the bytes of tensor `index` of the plan: in place where the
  /// host addresses them, or copied into `scratch` from its swap file or
  /// from device memory.
  llvm::Expected<llvm::ArrayRef<uint8_t>>
  readTensor(uint32_t index, std::vector<uint8_t> &scratch) const;
  /// Whether some parameter or gradient is this rank's flat piece (ZeRO):
  /// then addWholeParameters and gatherGradientPieces are collectives.
  bool hasPieces() const;
  /// Adds every Parameter to `writer`, whole, named and shaped as in the
  /// weights file, in plan order (the writer copies; a piece is gathered
  /// into a temporary first). Pieces are gathered from every rank: where
  /// hasPieces(), every rank calls this at the same point, the ranks that
  /// write nothing with a null `writer`.
  llvm::Error addWholeParameters(SafeTensorsWriter *writer) const;
  /// Makes the gradients of capturedGradients() that are pieces
  /// (Plan::isGradientPiece) whole: gathered from every rank, cut to their
  /// parameter's size and shape. Where hasPieces(), every rank calls this.
  llvm::Error gatherGradientPieces(std::vector<TensorCopy> &gradients) const;

  /// Returns the bytes of tensor `index` of the plan, in place: CPU
  /// executors only (readTensor copies from a GPU). Arena tensors hold
  /// what the last instruction writing their bytes left there.
  llvm::ArrayRef<uint8_t> tensorData(uint32_t index) const;
  llvm::MutableArrayRef<uint8_t> tensorData(uint32_t index);

  /// Calls `hook` with the instruction index after every instruction (and
  /// after its gradients were captured); tests and tracing use it.
  void setInstructionHook(std::function<void(size_t)> hook);

  /// With `enabled`, the following steps run the collectives that go over
  /// the network (a group of more than one rank) on a thread of their own,
  /// in plan order, while the instructions after each go on until one
  /// touches its bytes (CollectiveSchedule.h): ZeRO's prefetched gathers
  /// and gradient reduce-scatters overlap compute. Losses, gradients and
  /// parameters are bit-identical to the run in order. Off by default;
  /// per-instruction memory and time figures then include whatever a
  /// collective did beside the instruction.
  void setAsyncCollectives(bool enabled);
  /// The optimizer updates the plan marks `beside` (ds-compile
  /// --overlap-updates) run on that thread whatever this says, each with
  /// the offload start of what it wrote (the state or parameter going back
  /// to host memory or its swap file), so that the update of a parameter
  /// overlaps the backward of the layers before it, as ZeRO-Offload's host
  /// update does; bit-identical. CPU executors (on a GPU they run in
  /// order: its kernels run beside the host already).
  /// The instructions that run beside the compute (async collectives and
  /// updates), and for every instruction the one it waits for first (-1:
  /// none).
  bool runsAsync(size_t instruction) const;
  llvm::ArrayRef<int64_t> collectiveWaits() const;

private:
  struct Impl;
  explicit Executor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

/// Sets the number of threads ATen's CPU kernels use (at::set_num_threads).
void setNumThreads(unsigned threads);

/// Returns the names of the kernels this runtime implements, sorted.
std::vector<std::string> kernelNames();

} // namespace dsc::rt

#endif // DSC_RUNTIME_EXECUTOR_H
