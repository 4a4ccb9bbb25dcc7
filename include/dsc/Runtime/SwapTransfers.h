//===- SwapTransfers.h - a plan's reloads and offloads ----------*- C++ -*-===//
//
// The instructions that move offloaded tensors between memory and this
// rank's swap space (Storage::Swapped) or host memory (Storage::Host):
// `reload` and `offload` start a transfer, `reload_wait` and
// `offload_wait` end it. Swap files go through the SwapEngine: between a
// start and its wait the executor runs other instructions and polls the
// engine after each, so that the transfer overlaps them. Host memory is a
// copy at the start (on the CPU runtime there is no copy engine to
// overlap with; the GPU runtime's copy stream is where it would run).
// No LibTorch: the executor hands over the tensors' memory.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SWAPTRANSFERS_H
#define DSC_RUNTIME_SWAPTRANSFERS_H

#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/SwapEngine.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dsc::rt {

/// What the transfers of the steps so far did.
struct TransferStats {
  /// Transfers waited for, and those already complete at their wait
  /// (hidden behind the instructions between).
  uint64_t waited = 0, completeAtWait = 0;
  /// Time spent blocked in waits.
  double waitSeconds = 0;
};

class SwapTransfers {
public:
  /// Opens this rank's swap space under `options` and creates a file for
  /// each swapped tensor of `plan`, where it has some (fails when
  /// `options` is null then); null when the plan offloads nothing.
  static llvm::Expected<std::unique_ptr<SwapTransfers>>
  open(const Plan &plan, int rank, const SwapOptions *options);

  /// Prepares transfer instruction `inst` (of `kind`) of `bytes`, whose
  /// tensor in memory starts at `memory` and whose offloaded tensor, if in
  /// host memory, at `host` (null for a swap file; validatePlan checked the
  /// form); returns its handle.
  unsigned compile(const Instruction &inst, TransferKind kind, uint8_t *memory,
                   uint8_t *host, uint64_t bytes);
  /// Starts or ends the transfer of handle `op`.
  llvm::Error run(unsigned op);
  /// Moves transfers in flight on (after each instruction).
  llvm::Error poll();
  /// Writes swapped tensor `tensor`'s file from `bytes` (its size), or
  /// reads it into `bytes`, and waits: loading the weights of offloaded
  /// parameters and saving them, between steps.
  llvm::Error store(uint32_t tensor, llvm::ArrayRef<uint8_t> bytes);
  llvm::Error load(uint32_t tensor, llvm::MutableArrayRef<uint8_t> bytes);
  /// Whether a swap space is open (the plan has swapped tensors).
  bool hasSwap() const { return engine != nullptr; }
  /// Whether a transfer is in flight.
  bool busy() const { return inFlight.load() > 0; }
  /// Ends every transfer in flight (after a failed instruction: they must
  /// not go on touching memory the next step reuses); their first error.
  llvm::Error abandon();

  /// What opening the swap space had to say (a dead run's files).
  llvm::StringRef notice() const { return openNotice; }
  const TransferStats &stats() const { return counters; }

private:
  struct Op {
    /// The swap file, or the host copy with its bytes.
    unsigned file;
    uint8_t *host;
    uint64_t bytes;
    uint8_t *memory;
    bool write;
    bool wait;
  };
  SwapTransfers() = default;
  /// Fails unless `tensor` has a swap file of `bytes` and nothing is in
  /// flight (store and load run between steps).
  llvm::Error checkIdle(uint32_t tensor, uint64_t bytes) const;

  std::unique_ptr<SwapEngine> engine;
  /// Swapped tensor -> the engine's file.
  llvm::DenseMap<uint32_t, unsigned> files;
  /// The bytes of each file, by the engine's index.
  std::vector<uint64_t> fileBytes;
  std::vector<Op> ops;
  /// The transfer in flight of each file (0: none).
  std::vector<SwapEngine::Ticket> pending;
  std::atomic<unsigned> inFlight = 0;
  /// run, poll and abandon may be called from the executor's side thread
  /// (the offload of an update that runs there) and its main thread.
  std::mutex lock;
  std::string openNotice;
  TransferStats counters;
};

} // namespace dsc::rt

#endif // DSC_RUNTIME_SWAPTRANSFERS_H
