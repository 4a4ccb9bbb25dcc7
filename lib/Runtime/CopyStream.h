//===- CopyStream.h - host transfers beside the compute on a GPU -*- C++
//-*-===//
//
// Private to lib/Runtime. The reloads and offloads of tensors kept in host
// memory (Storage::Host, pinned on a GPU) run on a copy stream of their
// own: a transfer's start waits (on the device) for the kernels enqueued
// before it, then copies asynchronously; its wait makes the compute stream
// wait for the copy. The host never blocks, and the plan's schedule (the
// starts `-ds-offload` moved ahead of the waits) decides the overlap. Only
// LibTorch's device-generic stream and event API: no CUDA library linked.
// The step's thread and the side thread (an update on the host beside the
// backward, with the reload of its new value) both start and wait.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_COPYSTREAM_H
#define DSC_LIB_RUNTIME_COPYSTREAM_H

#include "dsc/Runtime/Device.h"
#include "dsc/Runtime/SwapTransfers.h"

#include <ATen/ATen.h>
#include <c10/core/Event.h>
#include <c10/core/Stream.h>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace dsc::rt::exec {

class CopyStream {
public:
  /// A copy stream of `device`'s (a GPU), beside its current stream.
  explicit CopyStream(const Device &device);
  /// Waits for the copies in flight.
  ~CopyStream();

  /// Registers the copy of `source` into `dest` (byte tensors of one size,
  /// one in pinned host memory, one in device memory); returns its handle.
  unsigned compile(at::Tensor dest, at::Tensor source);
  /// Starts copy `op` after the work enqueued so far on the compute stream.
  void start(unsigned op);
  /// Makes the compute stream wait for copy `op`, counting in stats()
  /// whether it was already done.
  void wait(unsigned op);
  /// Whether copy `op` is over.
  bool done(unsigned op);
  /// Blocks the host until copy `op` is over.
  void synchronize(unsigned op);
  /// Blocks the host until every copy is done.
  void synchronize();
  /// What the waits found (read it between steps).
  const TransferStats &stats() const { return counts; }

private:
  struct Op {
    at::Tensor dest, source;
    c10::Event done;
  };
  c10::Stream compute, copy;
  /// Guards `ready` and `counts`: the two threads start and wait.
  std::mutex mutex;
  c10::Event ready;
  std::vector<Op> ops;
  TransferStats counts;
};

} // namespace dsc::rt::exec

#endif // DSC_LIB_RUNTIME_COPYSTREAM_H
