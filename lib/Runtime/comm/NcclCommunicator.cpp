//===- NcclCommunicator.cpp - collectives over NCCL on CUDA devices -------===//
//
// MOSTLY UNTESTED: this backend is compiled and linked wherever CUDA and NCCL
// are installed (DSC_ENABLE_CUDA), but the machine it was written on has no
// GPU. It has run once on a single H100 (NCCL 2.28.3): a one-rank world ran
// every collective, and two ranks on one GPU failed to connect with NCCL's
// error instead of hanging (CommNcclTest.cpp). Collectives between two or
// more GPUs, groups, and the timeout/abort paths have never run.
//
// Each communicator owns an NCCL communicator in non-blocking mode and a CUDA
// stream. Collectives are enqueued on the stream after the work already
// enqueued on the device's legacy default stream (where ATen's kernels run:
// an event orders them) and then polled: the stream
// to completion, NCCL's asynchronous error state for failures, and the clock
// for the timeout, on which the communicator is aborted (`ncclCommAbort`) so
// that no rank waits forever for a dead peer. The unique id of each
// communicator is exchanged through the rendezvous store: group rank 0 sets
// it, the others wait for it. Groups get communicators of their own (not
// `ncclCommSplit`, which all world ranks would have to call).
//
//===----------------------------------------------------------------------===//

#include "Backends.h"

#include "llvm/Support/FormatVariadic.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstring>
#include <numeric>
#include <thread>
#include <tuple>

using namespace dsc::rt;
using namespace dsc::rt::comm;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

/// Returns NCCL's type for reducing `dtype`, if it has one.
std::optional<ncclDataType_t> ncclReduceType(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return ncclFloat64;
  case DType::F32:
    return ncclFloat32;
  case DType::F16:
    return ncclFloat16;
  case DType::BF16:
    return ncclBfloat16;
  case DType::I64:
    return ncclInt64;
  case DType::I32:
    return ncclInt32;
  case DType::I8:
    return ncclInt8;
  case DType::U8:
  case DType::Bool:
    return ncclUint8;
  case DType::U32:
    return ncclUint32;
  case DType::U64:
    return ncclUint64;
  case DType::I16:
  case DType::U16:
    return std::nullopt;
  }
  return std::nullopt;
}

ncclRedOp_t ncclOp(ReduceOp op) {
  switch (op) {
  case ReduceOp::Sum:
    return ncclSum;
  case ReduceOp::Mean:
    return ncclAvg;
  case ReduceOp::Max:
    return ncclMax;
  }
  return ncclSum;
}

llvm::Error cudaFailure(llvm::StringRef what, cudaError_t err) {
  return llvm::createStringError((what + ": " + cudaGetErrorString(err)).str());
}

/// Device memory for the host buffers of one collective: NCCL reads and
/// writes device memory only, and ds-run's few host values (whether every
/// rank started, --save's gathers of ZeRO pieces) go through temporaries.
/// Device buffers are used as they are.
class Staging {
public:
  Staging() = default;
  Staging(const Staging &) = delete;
  Staging &operator=(const Staging &) = delete;
  ~Staging() {
    for (void *temporary : temporaries)
      cudaFree(temporary);
  }

  /// Returns device memory holding the `bytes` at `pointer`.
  llvm::Expected<const void *> input(const void *pointer, size_t bytes) {
    return stage(const_cast<void *>(pointer), bytes, /*copyIn=*/true,
                 /*copyOut=*/false);
  }
  /// Returns device memory that finish() copies to `pointer`, and that
  /// holds its bytes first when `inPlace`.
  llvm::Expected<void *> output(void *pointer, size_t bytes,
                                bool inPlace = false) {
    return stage(pointer, bytes, inPlace, /*copyOut=*/true);
  }
  /// Copies the staged outputs back to host memory.
  llvm::Error finish() {
    for (auto [host, temporary, bytes] : outputs)
      if (cudaError_t err =
              cudaMemcpy(host, temporary, bytes, cudaMemcpyDeviceToHost))
        return cudaFailure("copying the result to host memory", err);
    return llvm::Error::success();
  }

private:
  llvm::Expected<void *> stage(void *pointer, size_t bytes, bool copyIn,
                               bool copyOut) {
    if (bytes == 0)
      return pointer;
    cudaPointerAttributes attributes;
    if (cudaError_t err = cudaPointerGetAttributes(&attributes, pointer))
      return cudaFailure("cudaPointerGetAttributes", err);
    if (attributes.type == cudaMemoryTypeDevice ||
        attributes.type == cudaMemoryTypeManaged)
      return pointer;
    void *temporary = nullptr;
    if (cudaError_t err = cudaMalloc(&temporary, bytes))
      return cudaFailure("staging a host buffer in device memory", err);
    temporaries.push_back(temporary);
    if (copyIn)
      if (cudaError_t err =
              cudaMemcpy(temporary, pointer, bytes, cudaMemcpyHostToDevice))
        return cudaFailure("copying a host buffer to device memory", err);
    if (copyOut)
      outputs.emplace_back(pointer, temporary, bytes);
    return temporary;
  }

  std::vector<void *> temporaries;
  std::vector<std::tuple<void *, void *, size_t>> outputs;
};

/// One group of ranks over NCCL.
class NcclCommunicator final : public Communicator {
public:
  static llvm::Expected<std::unique_ptr<NcclCommunicator>>
  create(Rendezvous &rendezvous, int device, llvm::StringRef key,
         llvm::ArrayRef<int> ranks, int groupRank);
  ~NcclCommunicator() override;

  llvm::StringRef backendName() const override { return "nccl"; }

protected:
  llvm::Error doAllReduce(void *data, size_t count, DType dtype,
                          ReduceOp op) override;
  llvm::Error doAllGather(const void *in, void *out, size_t countPerRank,
                          DType dtype) override;
  llvm::Error doReduceScatter(const void *in, void *out, size_t countPerRank,
                              DType dtype, ReduceOp op) override;
  llvm::Error doAllToAll(const void *in, void *out,
                         llvm::ArrayRef<size_t> sendCounts,
                         llvm::ArrayRef<size_t> recvCounts,
                         DType dtype) override;
  llvm::Error doBroadcast(void *data, size_t count, DType dtype,
                          int root) override;
  llvm::Error doBarrier() override;

private:
  NcclCommunicator(int groupRank, std::vector<int> ranks, int device,
                   milliseconds timeout)
      : Communicator(groupRank, std::move(ranks)), device(device),
        timeout(timeout) {}

  /// Waits until NCCL has finished a non-blocking call on the communicator;
  /// aborts it after the timeout.
  llvm::Error settle(llvm::StringRef what, ncclResult_t result,
                     Clock::time_point deadline);
  /// Enqueues a collective with `enqueue`, then waits for the stream.
  llvm::Error run(llvm::function_ref<ncclResult_t()> enqueue);
  void abort();

  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  /// Recorded on the legacy default stream before each collective.
  cudaEvent_t computed = nullptr;
  float *scratch = nullptr;
  int device;
  milliseconds timeout;
};

} // namespace

llvm::Expected<std::unique_ptr<NcclCommunicator>>
NcclCommunicator::create(Rendezvous &rendezvous, int device,
                         llvm::StringRef key, llvm::ArrayRef<int> ranks,
                         int groupRank) {
  std::unique_ptr<NcclCommunicator> result(new NcclCommunicator(
      groupRank, std::vector<int>(ranks.begin(), ranks.end()), device,
      rendezvous.timeout()));
  if (cudaError_t err = cudaSetDevice(device))
    return cudaFailure("cudaSetDevice(" + std::to_string(device) + ")", err);
  if (cudaError_t err =
          cudaStreamCreateWithFlags(&result->stream, cudaStreamNonBlocking))
    return cudaFailure("cudaStreamCreate", err);
  if (cudaError_t err =
          cudaEventCreateWithFlags(&result->computed, cudaEventDisableTiming))
    return cudaFailure("cudaEventCreate", err);
  if (cudaError_t err = cudaMalloc(&result->scratch, sizeof(float)))
    return cudaFailure("cudaMalloc", err);

  ncclUniqueId id;
  std::string idKey = (key + "/nccl-unique-id").str();
  if (groupRank == 0) {
    if (ncclResult_t err = ncclGetUniqueId(&id))
      return llvm::createStringError(std::string("ncclGetUniqueId: ") +
                                     ncclGetErrorString(err));
    if (llvm::Error err = rendezvous.store().set(
            idKey, llvm::ArrayRef<char>(id.internal, sizeof(id.internal))))
      return std::move(err);
  } else {
    auto bytes = rendezvous.store().get(idKey, rendezvous.timeout());
    if (!bytes)
      return bytes.takeError();
    if (bytes->size() != sizeof(id.internal))
      return llvm::createStringError("malformed NCCL unique id in the store");
    std::memcpy(id.internal, bytes->data(), sizeof(id.internal));
  }

  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  auto deadline = Clock::now() + rendezvous.timeout();
  ncclResult_t init = ncclCommInitRankConfig(
      &result->comm, static_cast<int>(ranks.size()), id, groupRank, &config);
  if (llvm::Error err =
          result->settle("ncclCommInitRankConfig", init, deadline))
    return std::move(err);
  // Once all members pass this, nobody reads this group's keys any more.
  if (llvm::Error err = result->doBarrier())
    return std::move(err);
  return result;
}

NcclCommunicator::~NcclCommunicator() {
  cudaSetDevice(device);
  if (comm) {
    auto deadline = Clock::now() + timeout;
    ncclResult_t result = ncclCommFinalize(comm);
    if (llvm::Error err = settle("ncclCommFinalize", result, deadline))
      llvm::consumeError(std::move(err)); // settle aborted it
    if (comm)
      ncclCommDestroy(comm);
  }
  if (stream)
    cudaStreamDestroy(stream);
  if (computed)
    cudaEventDestroy(computed);
  if (scratch)
    cudaFree(scratch);
}

void NcclCommunicator::abort() {
  if (comm)
    ncclCommAbort(comm);
  comm = nullptr;
}

llvm::Error NcclCommunicator::settle(llvm::StringRef what, ncclResult_t result,
                                     Clock::time_point deadline) {
  while (result == ncclInProgress) {
    if (Clock::now() > deadline) {
      abort();
      return llvm::createStringError(
          llvm::formatv("{0} timed out after {1} ms (a rank did not join or "
                        "stopped participating); the NCCL communicator was "
                        "aborted",
                        what, timeout.count())
              .str());
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (ncclCommGetAsyncError(comm, &result) != ncclSuccess)
      result = ncclInternalError;
  }
  if (result == ncclSuccess)
    return llvm::Error::success();
  std::string message =
      llvm::formatv("{0}: {1} ({2})", what, ncclGetErrorString(result),
                    comm ? ncclGetLastError(comm) : "")
          .str();
  abort();
  return llvm::createStringError(message);
}

llvm::Error NcclCommunicator::run(llvm::function_ref<ncclResult_t()> enqueue) {
  if (!comm)
    return llvm::createStringError("the NCCL communicator was aborted");
  if (cudaError_t err = cudaSetDevice(device))
    return cudaFailure("cudaSetDevice", err);
  // The collective reads what the kernels before it wrote: ATen runs them
  // on the legacy default stream, which a non-blocking stream does not
  // wait for by itself.
  if (cudaError_t err = cudaEventRecord(computed, cudaStreamLegacy))
    return cudaFailure("cudaEventRecord", err);
  if (cudaError_t err = cudaStreamWaitEvent(stream, computed, 0))
    return cudaFailure("cudaStreamWaitEvent", err);
  // The timeout is for peers: this rank's own kernels (a long forward)
  // finish first, outside it.
  if (cudaError_t err = cudaEventSynchronize(computed))
    return cudaFailure("waiting for the kernels before the collective", err);
  auto deadline = Clock::now() + timeout;
  if (llvm::Error err = settle("enqueueing", enqueue(), deadline))
    return err;
  // Synchronise, watching NCCL's error state and the clock: a dead peer
  // leaves the kernel spinning, and only an abort releases it.
  while (true) {
    cudaError_t status = cudaStreamQuery(stream);
    if (status == cudaSuccess)
      return llvm::Error::success();
    if (status != cudaErrorNotReady) {
      abort();
      return cudaFailure("CUDA stream", status);
    }
    ncclResult_t async = ncclSuccess;
    ncclCommGetAsyncError(comm, &async);
    if (async != ncclSuccess && async != ncclInProgress)
      return settle("NCCL", async, deadline);
    if (Clock::now() > deadline) {
      abort();
      return llvm::createStringError(
          llvm::formatv("timed out after {0} ms waiting for peers (a rank "
                        "stopped participating or is too slow); the NCCL "
                        "communicator was aborted",
                        timeout.count())
              .str());
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

llvm::Error NcclCommunicator::doAllReduce(void *data, size_t count, DType dtype,
                                          ReduceOp op) {
  std::optional<ncclDataType_t> type = ncclReduceType(dtype);
  if (!type)
    return llvm::createStringError(
        ("NCCL cannot reduce " + dtypeName(dtype)).str());
  Staging staging;
  auto buffer = staging.output(data, count * dtypeSize(dtype), true);
  if (!buffer)
    return buffer.takeError();
  if (llvm::Error err = run([&] {
        return ncclAllReduce(*buffer, *buffer, count, *type, ncclOp(op), comm,
                             stream);
      }))
    return err;
  return staging.finish();
}

llvm::Error NcclCommunicator::doReduceScatter(const void *in, void *out,
                                              size_t countPerRank, DType dtype,
                                              ReduceOp op) {
  std::optional<ncclDataType_t> type = ncclReduceType(dtype);
  if (!type)
    return llvm::createStringError(
        ("NCCL cannot reduce " + dtypeName(dtype)).str());
  size_t bytes = countPerRank * dtypeSize(dtype);
  Staging staging;
  auto input = staging.input(in, bytes * size());
  if (!input)
    return input.takeError();
  auto output = staging.output(out, bytes);
  if (!output)
    return output.takeError();
  if (llvm::Error err = run([&] {
        return ncclReduceScatter(*input, *output, countPerRank, *type,
                                 ncclOp(op), comm, stream);
      }))
    return err;
  return staging.finish();
}

llvm::Error NcclCommunicator::doAllGather(const void *in, void *out,
                                          size_t countPerRank, DType dtype) {
  size_t bytes = countPerRank * dtypeSize(dtype);
  Staging staging;
  auto input = staging.input(in, bytes);
  if (!input)
    return input.takeError();
  auto output = staging.output(out, bytes * size());
  if (!output)
    return output.takeError();
  if (llvm::Error err = run([&] {
        return ncclAllGather(*input, *output, bytes, ncclUint8, comm, stream);
      }))
    return err;
  return staging.finish();
}

llvm::Error NcclCommunicator::doAllToAll(const void *in, void *out,
                                         llvm::ArrayRef<size_t> sendCounts,
                                         llvm::ArrayRef<size_t> recvCounts,
                                         DType dtype) {
  size_t elementSize = dtypeSize(dtype);
  size_t sendTotal =
      std::accumulate(sendCounts.begin(), sendCounts.end(), size_t(0));
  size_t recvTotal =
      std::accumulate(recvCounts.begin(), recvCounts.end(), size_t(0));
  Staging staging;
  auto input = staging.input(in, sendTotal * elementSize);
  if (!input)
    return input.takeError();
  auto output = staging.output(out, recvTotal * elementSize);
  if (!output)
    return output.takeError();
  if (llvm::Error err = run([&]() -> ncclResult_t {
        const char *src = static_cast<const char *>(*input);
        char *dst = static_cast<char *>(*output);
        size_t sendOffset = 0, recvOffset = 0;
        std::vector<size_t> sendOffsets, recvOffsets;
        for (int peer = 0; peer < size(); ++peer) {
          sendOffsets.push_back(sendOffset);
          recvOffsets.push_back(recvOffset);
          sendOffset += sendCounts[peer] * elementSize;
          recvOffset += recvCounts[peer] * elementSize;
        }
        size_t selfBytes = sendCounts[rank()] * elementSize;
        if (selfBytes)
          if (cudaMemcpyAsync(dst + recvOffsets[rank()],
                              src + sendOffsets[rank()], selfBytes,
                              cudaMemcpyDeviceToDevice, stream) != cudaSuccess)
            return ncclUnhandledCudaError;
        ncclResult_t result = ncclGroupStart();
        if (result != ncclSuccess)
          return result;
        auto failed = [](ncclResult_t r) {
          return r != ncclSuccess && r != ncclInProgress;
        };
        for (int peer = 0; peer < size() && !failed(result); ++peer) {
          if (peer == rank())
            continue;
          if (sendCounts[peer])
            result = ncclSend(src + sendOffsets[peer],
                              sendCounts[peer] * elementSize, ncclUint8, peer,
                              comm, stream);
          if (recvCounts[peer] && !failed(result))
            result = ncclRecv(dst + recvOffsets[peer],
                              recvCounts[peer] * elementSize, ncclUint8, peer,
                              comm, stream);
        }
        ncclResult_t end = ncclGroupEnd();
        return failed(result) ? result : end;
      }))
    return err;
  return staging.finish();
}

llvm::Error NcclCommunicator::doBroadcast(void *data, size_t count, DType dtype,
                                          int root) {
  size_t bytes = count * dtypeSize(dtype);
  Staging staging;
  auto buffer = staging.output(data, bytes, true);
  if (!buffer)
    return buffer.takeError();
  if (llvm::Error err = run([&] {
        return ncclBroadcast(*buffer, *buffer, bytes, ncclUint8, root, comm,
                             stream);
      }))
    return err;
  return staging.finish();
}

llvm::Error NcclCommunicator::doBarrier() {
  return run([&] {
    return ncclAllReduce(scratch, scratch, 1, ncclFloat32, ncclSum, comm,
                         stream);
  });
}

//===----------------------------------------------------------------------===//
// NcclWorld
//===----------------------------------------------------------------------===//

namespace {

class NcclWorld final : public World {
public:
  NcclWorld(const WorldOptions &options, std::unique_ptr<Rendezvous> rendezvous,
            std::unique_ptr<NcclCommunicator> worldComm)
      : World(options), rendezvous(std::move(rendezvous)),
        worldComm(std::move(worldComm)) {}

  ~NcclWorld() override {
    destroyGroups();
    worldComm.reset();
    rendezvous.reset();
  }

  Communicator &world() override { return *worldComm; }

protected:
  llvm::Expected<std::unique_ptr<Communicator>>
  createGroup(llvm::StringRef key, llvm::ArrayRef<int> ranks,
              int groupRank) override {
    if (llvm::Error err =
            rendezvous->arrive(key, ranks, "group " + formatRanks(ranks)))
      return std::move(err);
    auto comm = NcclCommunicator::create(*rendezvous, options.localRank, key,
                                         ranks, groupRank);
    if (!comm)
      return comm.takeError();
    return std::unique_ptr<Communicator>(std::move(*comm));
  }

private:
  std::unique_ptr<Rendezvous> rendezvous;
  std::unique_ptr<NcclCommunicator> worldComm;
};

} // namespace

llvm::Expected<std::unique_ptr<World>>
comm::connectNcclWorld(const WorldOptions &options,
                       std::unique_ptr<Rendezvous> rendezvous) {
  int devices = 0;
  if (cudaError_t err = cudaGetDeviceCount(&devices))
    return cudaFailure("cudaGetDeviceCount", err);
  if (options.localRank >= devices)
    return llvm::createStringError(
        llvm::formatv("local rank {0} has no GPU: this node has {1}",
                      options.localRank, devices)
            .str());
  std::vector<int> all(options.worldSize);
  std::iota(all.begin(), all.end(), 0);
  auto worldComm = NcclCommunicator::create(*rendezvous, options.localRank,
                                            "world", all, options.rank);
  if (!worldComm)
    return llvm::createStringError("connecting the NCCL world: " +
                                   llvm::toString(worldComm.takeError()));
  return std::make_unique<NcclWorld>(options, std::move(rendezvous),
                                     std::move(*worldComm));
}
