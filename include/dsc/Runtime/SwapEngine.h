//===- SwapEngine.h - tensors swapped to NVMe through io_uring --*- C++ -*-===//
//
// One rank's swap space: a directory `dsc-swap-rank<R>` under the run's
// --nvme-path holding one O_DIRECT file per tensor (shard), preallocated
// when the tensor is added, so that a full disk shows before training
// starts. Reads and writes are asynchronous: each is cut into blocks of
// `blockBytes`, at most `queueDepth` in flight; a block whose memory or
// length does not meet the file system's direct-I/O alignment (statx
// STATX_DIOALIGN, else 4 KiB) goes through one of `queueDepth` aligned
// bounce buffers, registered with the ring where the locked-memory limit
// allows. `wait` returns the first error of a transfer naming the file and
// the tensor: a full disk, an I/O error, a short read, a file truncated,
// replaced or removed behind the run's back.
//
// The directory is locked (flock) while the engine lives: a second run on
// the same path and rank is refused; the directory of a run that died
// (stale: unlocked) is reported and removed. The destructor waits for or
// cancels what is in flight and removes the files and the directory.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SWAPENGINE_H
#define DSC_RUNTIME_SWAPENGINE_H

#include "dsc/Runtime/IoQueue.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace dsc::rt {

struct SwapOptions {
  /// The existing directory to swap under (--nvme-path).
  std::string directory;
  int rank = 0;
  /// Requests in flight at most.
  unsigned queueDepth = 32;
  /// Bytes per request; a multiple of the alignment (rounded up).
  uint64_t blockBytes = 1 << 20;
  /// Faults to inject in front of io_uring (tests: DSC_SWAP_FAULTS).
  std::optional<IoFaults> faults;
  /// Whether the executor stages transfers through host buffers
  /// (StagedSwap) where it need not: always on a GPU; on the CPU with
  /// ds-run --swap-staging, which tests the GPU's path.
  bool stage = false;
};

struct SwapStats {
  uint64_t bytesWritten = 0, bytesRead = 0;
  uint64_t requests = 0;
  /// Bytes that went through the bounce buffers.
  uint64_t bouncedBytes = 0;
  /// Whether the bounce buffers are registered with the ring.
  bool registered = false;
};

class SwapEngine {
public:
  using Ticket = uint64_t;

  /// Opens the rank's swap directory under `options.directory` on `queue`
  /// (io_uring when null). `notice` receives a line when a stale directory
  /// of a dead run was removed.
  static llvm::Expected<std::unique_ptr<SwapEngine>>
  create(const SwapOptions &options, std::unique_ptr<IoQueue> queue = nullptr,
         std::string *notice = nullptr);
  ~SwapEngine();
  SwapEngine(const SwapEngine &) = delete;
  SwapEngine &operator=(const SwapEngine &) = delete;

  /// Creates and preallocates the file for tensor `name` of `bytes`; returns
  /// its index. A full disk is reported here.
  llvm::Expected<unsigned> addTensor(llvm::StringRef name, uint64_t bytes);
  /// Starts writing the tensor's bytes from `source`, which must stay alive
  /// and unchanged until the transfer is waited for.
  llvm::Expected<Ticket> write(unsigned tensor, const void *source);
  /// Starts reading the tensor's bytes into `destination`.
  llvm::Expected<Ticket> read(unsigned tensor, void *destination);
  /// Waits for a transfer; its first error names the file and the tensor.
  llvm::Error wait(Ticket ticket);
  /// Waits for every transfer; the first error of any.
  llvm::Error waitAll();
  /// Whether the transfer has completed (without waiting).
  bool done(Ticket ticket);
  /// Takes what has completed and issues the next blocks, without
  /// waiting: a transfer larger than the queue depth's blocks moves on
  /// only when something polls, waits or asks whether it is done. An
  /// error is the ring's (a transfer's own errors come from its wait).
  llvm::Error poll();

  /// The direct-I/O alignment of memory and file offsets.
  uint64_t alignment() const { return align; }
  /// The rank's swap directory.
  llvm::StringRef path() const { return dir; }
  /// The file of a tensor.
  llvm::StringRef filePath(unsigned tensor) const;
  const SwapStats &stats() const { return counters; }

private:
  struct Tensor;
  struct Transfer;
  struct Slot;
  SwapEngine() = default;

  llvm::Error openDirectory(std::string *notice);
  llvm::Expected<Ticket> start(unsigned tensor, uint8_t *memory, bool write);
  llvm::Error checkFile(const Tensor &tensor) const;
  /// Issues the transfer's next blocks while slots and depth allow.
  llvm::Error issue();
  /// Processes completions (blocking for one with `block`).
  llvm::Error progress(bool block);
  void fail(Transfer &transfer, std::string message);
  void shutdown();

  SwapOptions options;
  std::string dir;
  int lockFd = -1;
  uint64_t align = 4096;
  std::unique_ptr<IoQueue> queue;
  std::vector<Tensor> tensors;
  std::unordered_map<Ticket, std::unique_ptr<Transfer>> transfers;
  /// Transfers with blocks left to issue, oldest first.
  std::deque<Ticket> toIssue;
  Ticket nextTicket = 1;
  std::vector<Slot> slots;
  std::vector<unsigned> freeSlots;
  unsigned inFlight = 0;
  SwapStats counters;
};

} // namespace dsc::rt

#endif // DSC_RUNTIME_SWAPENGINE_H
