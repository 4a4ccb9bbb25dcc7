//===- IoQueue.cpp - io_uring and fault injection -------------------------===//

#include "dsc/Runtime/IoQueue.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <liburing.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <sys/uio.h>

using namespace llvm;

dsc::rt::IoQueue::~IoQueue() = default;

namespace {

class UringQueue final : public dsc::rt::IoQueue {
public:
  explicit UringQueue(unsigned depth) : entries(depth) {}
  ~UringQueue() override {
    if (ready)
      io_uring_queue_exit(&ring);
  }

  Error init() {
    int rc = io_uring_queue_init(entries, &ring, 0);
    if (rc < 0)
      return createStringError(
          formatv("io_uring is not available ({0}): the swap engine needs "
                  "it (a kernel with kernel.io_uring_disabled = 0, no "
                  "seccomp filter against io_uring_setup)",
                  std::strerror(-rc)));
    ready = true;
    return Error::success();
  }

  unsigned depth() const override { return entries; }

  Error registerBuffers(ArrayRef<ArrayRef<uint8_t>> buffers) override {
    SmallVector<iovec> vectors;
    for (ArrayRef<uint8_t> buffer : buffers)
      vectors.push_back({const_cast<uint8_t *>(buffer.data()), buffer.size()});
    int rc = io_uring_register_buffers(&ring, vectors.data(), vectors.size());
    if (rc < 0)
      return createStringError(formatv("cannot register {0} swap buffers: {1}",
                                       vectors.size(), std::strerror(-rc)));
    return Error::success();
  }

  Error submit(ArrayRef<dsc::rt::IoRequest> requests) override {
    for (const dsc::rt::IoRequest &request : requests) {
      io_uring_sqe *sqe = io_uring_get_sqe(&ring);
      if (!sqe) {
        if (Error e = flush())
          return e;
        sqe = io_uring_get_sqe(&ring);
      }
      if (!sqe)
        return createStringError("the io_uring submission queue is full");
      bool write = request.kind == dsc::rt::IoRequest::Kind::Write;
      if (request.registered >= 0) {
        if (write)
          io_uring_prep_write_fixed(sqe, request.fd, request.buffer,
                                    request.length, request.offset,
                                    request.registered);
        else
          io_uring_prep_read_fixed(sqe, request.fd, request.buffer,
                                   request.length, request.offset,
                                   request.registered);
      } else if (write) {
        io_uring_prep_write(sqe, request.fd, request.buffer, request.length,
                            request.offset);
      } else {
        io_uring_prep_read(sqe, request.fd, request.buffer, request.length,
                           request.offset);
      }
      io_uring_sqe_set_data64(sqe, request.tag);
    }
    return flush();
  }

  Error reap(SmallVectorImpl<dsc::rt::IoCompletion> &completions,
             bool wait) override {
    io_uring_cqe *cqe = nullptr;
    if (wait) {
      int rc;
      do
        rc = io_uring_wait_cqe(&ring, &cqe);
      while (rc == -EINTR);
      if (rc < 0)
        return createStringError(
            formatv("waiting for swap I/O: {0}", std::strerror(-rc)));
    }
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      // Cancellation requests complete with a tag of their own.
      if (cqe->user_data != kCancelTag)
        completions.push_back({cqe->user_data, cqe->res});
    }
    io_uring_cq_advance(&ring, seen);
    return Error::success();
  }

  void cancelAll() override {
    io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    if (!sqe)
      return;
    io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
    io_uring_sqe_set_data64(sqe, kCancelTag);
    (void)io_uring_submit(&ring);
  }

private:
  static constexpr uint64_t kCancelTag = UINT64_MAX;

  Error flush() {
    int rc;
    do
      rc = io_uring_submit(&ring);
    while (rc == -EINTR);
    if (rc < 0)
      return createStringError(
          formatv("submitting swap I/O: {0}", std::strerror(-rc)));
    return Error::success();
  }

  unsigned entries;
  io_uring ring{};
  bool ready = false;
};

class FaultInjectingQueue final : public dsc::rt::IoQueue {
public:
  FaultInjectingQueue(std::unique_ptr<IoQueue> inner, dsc::rt::IoFaults faults)
      : inner(std::move(inner)), faults(faults) {}

  unsigned depth() const override { return inner->depth(); }
  Error registerBuffers(ArrayRef<ArrayRef<uint8_t>> buffers) override {
    return inner->registerBuffers(buffers);
  }

  Error submit(ArrayRef<dsc::rt::IoRequest> requests) override {
    SmallVector<dsc::rt::IoRequest> passed;
    for (dsc::rt::IoRequest request : requests) {
      ++submitted;
      bool write = request.kind == dsc::rt::IoRequest::Kind::Write;
      if (faults.failRequest && submitted >= faults.failRequest) {
        failed.push_back({request.tag, -EIO});
        continue;
      }
      if (write) {
        if (written + request.length > faults.spaceBytes) {
          failed.push_back({request.tag, -ENOSPC});
          continue;
        }
        written += request.length;
      } else if (faults.shortRead && ++reads >= faults.shortRead) {
        shortened[request.tag] = request.length / 2;
      }
      passed.push_back(request);
    }
    return inner->submit(passed);
  }

  Error reap(SmallVectorImpl<dsc::rt::IoCompletion> &completions,
             bool wait) override {
    size_t first = completions.size();
    if (!failed.empty()) {
      completions.append(failed.begin(), failed.end());
      failed.clear();
      wait = false;
    }
    if (Error e = inner->reap(completions, wait))
      return e;
    for (dsc::rt::IoCompletion &completion :
         MutableArrayRef(completions).drop_front(first)) {
      auto it = shortened.find(completion.tag);
      if (it == shortened.end())
        continue;
      if (completion.result > 0)
        completion.result = std::min<int64_t>(completion.result, it->second);
      shortened.erase(it);
    }
    return Error::success();
  }

  void cancelAll() override { inner->cancelAll(); }

private:
  std::unique_ptr<IoQueue> inner;
  dsc::rt::IoFaults faults;
  uint64_t submitted = 0, reads = 0, written = 0;
  std::vector<dsc::rt::IoCompletion> failed;
  llvm::DenseMap<uint64_t, uint32_t> shortened;
};

} // namespace

Expected<std::unique_ptr<dsc::rt::IoQueue>>
dsc::rt::createUringQueue(unsigned depth) {
  auto queue = std::make_unique<UringQueue>(depth);
  if (Error e = queue->init())
    return std::move(e);
  return std::unique_ptr<IoQueue>(std::move(queue));
}

std::unique_ptr<dsc::rt::IoQueue>
dsc::rt::createFaultInjectingQueue(std::unique_ptr<IoQueue> inner,
                                   IoFaults faults) {
  return std::make_unique<FaultInjectingQueue>(std::move(inner), faults);
}

Expected<dsc::rt::IoFaults> dsc::rt::parseIoFaults(StringRef spec) {
  IoFaults faults;
  SmallVector<StringRef> items;
  spec.split(items, ',', -1, /*KeepEmpty=*/false);
  for (StringRef item : items) {
    auto [key, value] = item.split('=');
    uint64_t number;
    if (value.trim().getAsInteger(10, number))
      return createStringError(
          formatv("swap fault '{0}': expected KEY=NUMBER", item));
    key = key.trim();
    if (key == "enospc")
      faults.spaceBytes = number;
    else if (key == "eio")
      faults.failRequest = number;
    else if (key == "short-read")
      faults.shortRead = number;
    else
      return createStringError(
          formatv("unknown swap fault '{0}' (enospc, eio or short-read)", key));
  }
  return faults;
}
