//===- CollectiveThreadTest.cpp - the executor's collectives' thread ------===//

#include "dsc/Runtime/CollectiveThread.h"

#include "gtest/gtest.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using dsc::rt::exec::CollectiveThread;

namespace {

std::string message(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

TEST(CollectiveThreadTest, RunsJobsInOrderBesideTheCaller) {
  std::vector<int> order;
  std::atomic<bool> release{false};
  std::thread::id caller = std::this_thread::get_id(), runner;
  CollectiveThread thread([&] { runner = std::this_thread::get_id(); });
  uint64_t first = thread.submit([&] {
    // Holds the queue until the caller has gone on.
    while (!release)
      std::this_thread::yield();
    order.push_back(1);
    return llvm::Error::success();
  });
  uint64_t second = thread.submit([&] {
    order.push_back(2);
    return llvm::Error::success();
  });
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(second, 2u);
  EXPECT_FALSE(thread.done(first));
  release = true;
  EXPECT_EQ(message(thread.wait(second)), "");
  EXPECT_TRUE(thread.done(first));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_NE(runner, caller);
  EXPECT_EQ(message(thread.drain()), "");
}

TEST(CollectiveThreadTest, AFailureSkipsTheRestAndStays) {
  CollectiveThread thread;
  std::atomic<int> ran{0};
  uint64_t ok = thread.submit([&] {
    ++ran;
    return llvm::Error::success();
  });
  uint64_t bad = thread.submit([&] {
    ++ran;
    return llvm::createStringError("peer lost");
  });
  uint64_t after = thread.submit([&] {
    ++ran;
    return llvm::Error::success();
  });
  EXPECT_EQ(message(thread.wait(ok)), "");
  EXPECT_EQ(message(thread.wait(after)), "peer lost");
  EXPECT_EQ(ran, 2);
  // Every later wait says it again; nothing runs after it.
  EXPECT_EQ(message(thread.wait(bad)), "peer lost");
  uint64_t later = thread.submit([&] {
    ++ran;
    return llvm::Error::success();
  });
  EXPECT_EQ(message(thread.wait(later)), "peer lost");
  EXPECT_EQ(ran, 2);
}

TEST(CollectiveThreadTest, DestructionRunsWhatIsQueued) {
  // The other ranks take part in queued collectives: they run, not vanish.
  std::atomic<int> ran{0};
  {
    CollectiveThread thread;
    for (int i = 0; i < 3; ++i)
      thread.submit([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        ++ran;
        return llvm::Error::success();
      });
  }
  EXPECT_EQ(ran, 3);
}

} // namespace
