//===- CollectiveThread.h - collectives beside the compute ------*- C++ -*-===//
//
// One thread that runs the jobs it is given (the
// executor's collectives) in the order given, while the thread that gave
// them goes on; `wait` blocks until a job and all before it are done. After
// a job fails, the ones queued after it are skipped (the communicator is in
// an unknown state, and their operands may be wrong) and every wait from
// then on returns the failure.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_COLLECTIVETHREAD_H
#define DSC_RUNTIME_COLLECTIVETHREAD_H

#include "llvm/Support/Error.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace dsc::rt::exec {

class CollectiveThread {
public:
  /// Starts the thread, which first calls `onStart` (selects the device).
  explicit CollectiveThread(std::function<void()> onStart = {});
  /// Finishes the queued jobs (errors dropped) and joins the thread.
  ~CollectiveThread();

  CollectiveThread(const CollectiveThread &) = delete;
  CollectiveThread &operator=(const CollectiveThread &) = delete;

  /// Queues `job`; returns its ticket (1 for the first, then 2, ...).
  uint64_t submit(std::function<llvm::Error()> job);
  /// Blocks until job `ticket` and every job before it are done; returns
  /// the first failure if it is among them. A failure is final: every
  /// later wait returns it again.
  llvm::Error wait(uint64_t ticket);
  /// Waits for every job submitted.
  llvm::Error drain() { return wait(submitted); }
  /// Whether job `ticket` and every job before it are done.
  bool done(uint64_t ticket);
  /// Whether a job failed (drain() returns the failure).
  bool failed();

private:
  void loop(std::function<void()> onStart);

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::function<llvm::Error()>> queue;
  uint64_t submitted = 0;
  uint64_t completed = 0;
  /// The first failure and its ticket.
  std::optional<std::pair<uint64_t, std::string>> failure;
  bool stopping = false;
  std::thread thread;
};

} // namespace dsc::rt::exec

#endif // DSC_RUNTIME_COLLECTIVETHREAD_H
