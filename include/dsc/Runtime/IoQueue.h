//===- IoQueue.h - asynchronous file reads and writes -----------*- C++ -*-===//
//
// The submission and completion queue the swap engine (SwapEngine.h) drives:
// io_uring through liburing in a run, or a queue that injects faults (a full
// disk, an I/O error, a short read) in front of it in tests. Requests carry
// a tag; completions give the tag back with the bytes moved or -errno. No
// MLIR, no LibTorch.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_IOQUEUE_H
#define DSC_RUNTIME_IOQUEUE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>

namespace dsc::rt {

struct IoRequest {
  enum class Kind { Read, Write };
  Kind kind = Kind::Read;
  int fd = -1;
  void *buffer = nullptr;
  uint32_t length = 0;
  uint64_t offset = 0;
  /// The index of a buffer registered with registerBuffers (fixed I/O), or
  /// -1.
  int registered = -1;
  uint64_t tag = 0;
};

struct IoCompletion {
  uint64_t tag = 0;
  /// Bytes moved, or -errno.
  int64_t result = 0;
};

class IoQueue {
public:
  virtual ~IoQueue();
  /// The most requests in flight at once.
  virtual unsigned depth() const = 0;
  /// Registers buffers for fixed I/O (pinned once instead of per request).
  /// An error (the locked-memory limit) leaves the queue usable with plain
  /// requests.
  virtual llvm::Error
  registerBuffers(llvm::ArrayRef<llvm::ArrayRef<uint8_t>> buffers) = 0;
  /// Submits requests; the caller keeps at most depth() in flight.
  virtual llvm::Error submit(llvm::ArrayRef<IoRequest> requests) = 0;
  /// Appends the completions that are ready; with `wait`, blocks for at
  /// least one.
  virtual llvm::Error reap(llvm::SmallVectorImpl<IoCompletion> &completions,
                           bool wait) = 0;
  /// Asks the kernel to cancel what is in flight (each still completes,
  /// with -ECANCELED or its result).
  virtual void cancelAll() = 0;
};

/// io_uring with `depth` entries. The error says why io_uring is not
/// available (disabled by the kernel or a seccomp filter).
llvm::Expected<std::unique_ptr<IoQueue>> createUringQueue(unsigned depth);

/// Faults to inject, for tests (and `DSC_SWAP_FAULTS` in ds-run): each
/// applies once its condition is met, to every later matching request.
struct IoFaults {
  /// Writes fail with ENOSPC once this many bytes were written.
  uint64_t spaceBytes = UINT64_MAX;
  /// The n-th request (from 1) and every later one fails with EIO.
  uint64_t failRequest = 0;
  /// Reads return half of what they asked for from the n-th read on.
  uint64_t shortRead = 0;
};

/// Parses "enospc=BYTES,eio=N,short-read=N" (any subset, comma-separated).
llvm::Expected<IoFaults> parseIoFaults(llvm::StringRef spec);

/// A queue that passes requests to `inner` and fails them as `faults` say
/// (a failed request is not passed on: it completes at once).
std::unique_ptr<IoQueue>
createFaultInjectingQueue(std::unique_ptr<IoQueue> inner, IoFaults faults);

} // namespace dsc::rt

#endif // DSC_RUNTIME_IOQUEUE_H
