//===- CollectiveThread.cpp - collectives beside the compute --------------===//

#include "dsc/Runtime/CollectiveThread.h"

using namespace dsc::rt::exec;

CollectiveThread::CollectiveThread(std::function<void()> onStart)
    : thread([this, onStart = std::move(onStart)] { loop(onStart); }) {}

CollectiveThread::~CollectiveThread() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  changed.notify_all();
  thread.join();
}

uint64_t CollectiveThread::submit(std::function<llvm::Error()> job) {
  uint64_t ticket;
  {
    std::lock_guard<std::mutex> lock(mutex);
    queue.push_back(std::move(job));
    ticket = ++submitted;
  }
  changed.notify_all();
  return ticket;
}

llvm::Error CollectiveThread::wait(uint64_t ticket) {
  std::unique_lock<std::mutex> lock(mutex);
  changed.wait(lock, [&] { return completed >= ticket; });
  if (!failure || failure->first > ticket)
    return llvm::Error::success();
  return llvm::createStringError(failure->second);
}

bool CollectiveThread::done(uint64_t ticket) {
  std::lock_guard<std::mutex> lock(mutex);
  return completed >= ticket;
}

bool CollectiveThread::failed() {
  std::lock_guard<std::mutex> lock(mutex);
  return failure.has_value();
}

void CollectiveThread::loop(std::function<void()> onStart) {
  if (onStart)
    onStart();
  std::unique_lock<std::mutex> lock(mutex);
  while (true) {
    // Jobs queued at the stop still run: they are collectives the other
    // ranks take part in.
    changed.wait(lock, [&] { return stopping || !queue.empty(); });
    if (queue.empty())
      return;
    std::function<llvm::Error()> job = std::move(queue.front());
    queue.pop_front();
    uint64_t ticket = completed + 1;
    // After a failure the rest are skipped.
    bool skip = failure && failure->first < ticket;
    lock.unlock();
    std::string message;
    if (!skip)
      if (llvm::Error err = job())
        message = llvm::toString(std::move(err));
    lock.lock();
    if (!message.empty() && !failure)
      failure.emplace(ticket, std::move(message));
    completed = ticket;
    changed.notify_all();
  }
}
