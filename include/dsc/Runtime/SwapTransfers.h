//===- SwapTransfers.h - a plan's reloads and offloads ----------*- C++ -*-===//
//
// The instructions that move swapped tensors (Storage::Swapped) between
// memory and this rank's swap space: `reload` and `offload` start a
// transfer through the SwapEngine, `reload_wait` and `offload_wait` end
// it. Between a start and its wait the executor runs other instructions
// and polls the engine after each, so that the transfer overlaps them.
// No LibTorch: the executor hands over the tensors' memory.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SWAPTRANSFERS_H
#define DSC_RUNTIME_SWAPTRANSFERS_H

#include "dsc/Runtime/Plan.h"
#include "dsc/Runtime/SwapEngine.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"

#include <memory>
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
  /// Whether `kernel` is one of the four transfer instructions.
  static bool isTransfer(llvm::StringRef kernel);

  /// Opens this rank's swap space under `options` and creates a file for
  /// each swapped tensor of `plan`; null when the plan has none. Fails
  /// when it has some and `options` is null.
  static llvm::Expected<std::unique_ptr<SwapTransfers>>
  open(const Plan &plan, int rank, const SwapOptions *options);

  /// Prepares transfer instruction `inst`, whose tensor in memory starts
  /// at `memory` (validatePlan checked its form); returns its handle.
  unsigned compile(const Instruction &inst, uint8_t *memory);
  /// Starts or ends the transfer of handle `op`.
  llvm::Error run(unsigned op);
  /// Moves transfers in flight on (after each instruction).
  llvm::Error poll();
  /// Whether a transfer is in flight.
  bool busy() const { return inFlight > 0; }

  /// What opening the swap space had to say (a dead run's files).
  llvm::StringRef notice() const { return openNotice; }
  const TransferStats &stats() const { return counters; }
  const SwapStats &engineStats() const { return engine->stats(); }

private:
  struct Op {
    unsigned file;
    uint8_t *memory;
    bool write;
    bool wait;
  };
  SwapTransfers() = default;

  std::unique_ptr<SwapEngine> engine;
  /// Swapped tensor -> the engine's file.
  llvm::DenseMap<uint32_t, unsigned> files;
  std::vector<Op> ops;
  /// The transfer in flight of each file (0: none).
  std::vector<SwapEngine::Ticket> pending;
  unsigned inFlight = 0;
  std::string openNotice;
  TransferStats counters;
};

} // namespace dsc::rt

#endif // DSC_RUNTIME_SWAPTRANSFERS_H
