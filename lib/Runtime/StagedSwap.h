//===- StagedSwap.h - swap transfers through host buffers --------*- C++
//-*-===//
//
// Private to lib/Runtime. Where the swap engine cannot reach the memory a
// plan's tensors live in (a GPU's), every transfer of a swap file goes
// through a region of one staging allocation in host memory (pinned on a
// GPU), one per transfer in flight (SwapStaging.h plans them):
//
//   reload        read the file into the buffer (the disk works while the
//                 step goes on)
//   reload_wait   wait for the read, then copy the buffer to the device
//                 (the compute stream waits for the copy)
//   offload       copy the device's bytes into the buffer on the copy
//                 stream, after the kernels enqueued before; the file's
//                 write starts once that copy is over (poll, or the wait)
//   offload_wait  wait for the write
//
// A region is written again only after the copies out of it are over. With no
// copy stream (the CPU runtime, `ds-run --swap-staging`) the copies run in
// line at those points: the GPU's order of events, tested on the CPU.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_STAGEDSWAP_H
#define DSC_LIB_RUNTIME_STAGEDSWAP_H

#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/SwapStaging.h"
#include "dsc/Runtime/SwapTransfers.h"

#include "CopyStream.h"

#include <ATen/ATen.h>

#include <optional>
#include <vector>

namespace dsc::rt::exec {

class StagedSwap {
public:
  /// Transfers through `transfers` and the byte tensor `allocation` (host
  /// memory); device copies on `copies`, or in line where it is null.
  StagedSwap(SwapTransfers &transfers, CopyStream *copies,
             at::Tensor allocation);

  /// Prepares the start `inst` (of `kind`) of a transfer between
  /// `region` of the allocation and `memory`, the tensor's bytes; returns
  /// its handle.
  unsigned compileStart(const Instruction &inst, TransferKind kind,
                        SwapStaging::Region region, at::Tensor memory);
  /// Prepares its wait; `start` is the start's handle.
  unsigned compileWait(const Instruction &inst, TransferKind kind,
                       unsigned start);
  /// Runs the start or wait of handle `op`.
  llvm::Error run(unsigned op);
  /// Starts the writes whose copies out of the device are over (after each
  /// instruction).
  llvm::Error poll();
  /// Whether an offload waits for its copy before its write can start.
  bool pending() const { return !deferred.empty(); }
  /// Forgets the writes not started (after a failure; the caller
  /// synchronizes the copy stream and abandons the transfers).
  void abandon() { deferred.clear(); }

private:
  struct Op {
    TransferKind kind;
    /// SwapTransfers' handle.
    unsigned transfer;
    SwapStaging::Region region;
    /// For starts: the device's bytes and the region's, and on a GPU the
    /// copy stream's handle of the copy between them.
    at::Tensor memory, staged;
    std::optional<unsigned> copy;
    /// For waits: the start's handle.
    unsigned start = 0;
    /// For offloads: whether the file's write has started.
    bool written = false;
  };
  /// Waits until the copies out of `region` are over.
  void release(SwapStaging::Region region);
  /// Copies between the device and the region of start `op`.
  void copy(Op &op);
  /// Starts the write of offload `op`.
  llvm::Error write(Op &op);

  SwapTransfers &transfers;
  CopyStream *copies;
  at::Tensor allocation;
  std::vector<Op> ops;
  /// The reloads whose copy to the device (on a GPU) may still read their
  /// region.
  std::vector<unsigned> copyingOut;
  /// Offloads whose copy into the buffer was started, the write not yet.
  std::vector<unsigned> deferred;
};

} // namespace dsc::rt::exec

#endif // DSC_LIB_RUNTIME_STAGEDSWAP_H
