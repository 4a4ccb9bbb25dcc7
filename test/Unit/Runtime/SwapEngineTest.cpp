//===- SwapEngineTest.cpp - the io_uring swap engine ----------------------===//
//
// Round trips of odd sizes and offsets through io_uring and O_DIRECT files,
// many transfers in flight, cancellation at shutdown, the run directory's
// lock and stale files, and every fault the engine must report (a full
// disk, an I/O error, a short read, a truncated, replaced or removed file,
// a missing directory) through the fault-injecting queue or the file
// itself. Files go under a temporary directory in TMPDIR (or /tmp).
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/SwapEngine.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <numeric>
#include <random>
#include <sys/mount.h>
#include <unistd.h>

using dsc::rt::SwapEngine;
using dsc::rt::SwapOptions;

namespace {

class SwapEngineTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> path;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("dsc-swap-test", path));
    dir = std::string(path);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  SwapOptions options(unsigned depth = 8, uint64_t block = 64 * 1024) {
    SwapOptions o;
    o.directory = dir;
    o.queueDepth = depth;
    o.blockBytes = block;
    return o;
  }

  std::unique_ptr<SwapEngine> make(const SwapOptions &o,
                                   dsc::rt::IoFaults *faults = nullptr,
                                   std::string *notice = nullptr) {
    std::unique_ptr<dsc::rt::IoQueue> queue;
    if (faults) {
      auto uring = dsc::rt::createUringQueue(o.queueDepth);
      EXPECT_TRUE(static_cast<bool>(uring))
          << llvm::toString(uring.takeError());
      if (!uring)
        return nullptr;
      queue = dsc::rt::createFaultInjectingQueue(std::move(*uring), *faults);
    }
    auto engine = SwapEngine::create(o, std::move(queue), notice);
    EXPECT_TRUE(static_cast<bool>(engine))
        << llvm::toString(engine.takeError());
    return engine ? std::move(*engine) : nullptr;
  }

  static std::vector<uint8_t> pattern(size_t n, unsigned seed) {
    std::vector<uint8_t> bytes(n);
    std::mt19937 random(seed);
    for (uint8_t &b : bytes)
      b = static_cast<uint8_t>(random());
    return bytes;
  }

  static std::string errorOf(llvm::Error e) {
    return e ? llvm::toString(std::move(e)) : std::string();
  }

  /// Adds tensor `name` holding `bytes`, writes them and returns the
  /// write's error ("" when none); `index` receives the tensor's index.
  static std::string addAndWrite(SwapEngine &engine, const std::string &name,
                                 const std::vector<uint8_t> &bytes,
                                 unsigned *index = nullptr) {
    auto tensor = engine.addTensor(name, bytes.size());
    if (!tensor)
      return "addTensor: " + llvm::toString(tensor.takeError());
    if (index)
      *index = *tensor;
    auto ticket = engine.write(*tensor, bytes.data());
    if (!ticket)
      return "write: " + llvm::toString(ticket.takeError());
    return errorOf(engine.wait(*ticket));
  }

  std::string dir;
};

TEST_F(SwapEngineTest, RoundTripsOddSizesAndOffsets) {
  auto engine = make(options());
  ASSERT_TRUE(engine);
  EXPECT_GE(engine->alignment(), 512u);
  // Sizes below, at and above the alignment and the block; buffers at odd
  // offsets (bounced) and aligned ones (direct).
  const size_t sizes[] = {1, 3, 511, 4096, 4097, 65535, 65536, 200001, 1 << 20};
  for (size_t offset : {size_t(0), size_t(1), size_t(7)}) {
    for (size_t size : sizes) {
      std::vector<uint8_t> source = pattern(size, size + offset);
      auto tensor = engine->addTensor("t." + std::to_string(size), size);
      ASSERT_TRUE(static_cast<bool>(tensor))
          << llvm::toString(tensor.takeError());
      // Aligned storage with `offset` bytes in front.
      size_t room = llvm::alignTo(size + offset, engine->alignment());
      std::unique_ptr<uint8_t, decltype(&std::free)> in(
          static_cast<uint8_t *>(std::aligned_alloc(engine->alignment(), room)),
          &std::free),
          out(static_cast<uint8_t *>(
                  std::aligned_alloc(engine->alignment(), room)),
              &std::free);
      std::memcpy(in.get() + offset, source.data(), size);
      std::memset(out.get(), 0xAB, room);
      auto w = engine->write(*tensor, in.get() + offset);
      ASSERT_TRUE(static_cast<bool>(w));
      ASSERT_EQ(errorOf(engine->wait(*w)), "");
      auto r = engine->read(*tensor, out.get() + offset);
      ASSERT_TRUE(static_cast<bool>(r));
      ASSERT_EQ(errorOf(engine->wait(*r)), "");
      ASSERT_EQ(std::memcmp(out.get() + offset, source.data(), size), 0)
          << "size " << size << " offset " << offset;
      // Nothing written past the tensor in memory.
      if (offset + size < room) {
        EXPECT_EQ(out.get()[offset + size], 0xAB);
      }
    }
  }
  EXPECT_GT(engine->stats().bouncedBytes, 0u);
  EXPECT_LT(engine->stats().bouncedBytes,
            engine->stats().bytesWritten + engine->stats().bytesRead);
}

TEST_F(SwapEngineTest, ManyTransfersInFlight) {
  auto engine = make(options(4, 4096));
  ASSERT_TRUE(engine);
  constexpr unsigned kTensors = 40;
  std::vector<std::vector<uint8_t>> sources, results(kTensors);
  std::vector<SwapEngine::Ticket> tickets;
  for (unsigned i = 0; i < kTensors; ++i) {
    sources.push_back(pattern(1000 + 3001 * i, i));
    auto tensor = engine->addTensor("many", sources[i].size());
    ASSERT_TRUE(static_cast<bool>(tensor));
    auto w = engine->write(*tensor, sources[i].data());
    ASSERT_TRUE(static_cast<bool>(w));
    tickets.push_back(*w);
  }
  // Waited for out of order.
  for (unsigned i = kTensors; i-- > 0;)
    ASSERT_EQ(errorOf(engine->wait(tickets[i])), "");
  tickets.clear();
  for (unsigned i = 0; i < kTensors; ++i) {
    results[i].assign(sources[i].size(), 0);
    auto r = engine->read(i, results[i].data());
    ASSERT_TRUE(static_cast<bool>(r));
    tickets.push_back(*r);
  }
  ASSERT_EQ(errorOf(engine->waitAll()), "");
  for (unsigned i = 0; i < kTensors; ++i)
    EXPECT_EQ(results[i], sources[i]) << i;
  EXPECT_GT(engine->stats().requests, 4u * kTensors);
}

TEST_F(SwapEngineTest, PollingCompletesATransferWithoutWaiting) {
  // 64 blocks of 4 KiB at depth 2: the read moves on only when polled, and
  // polling alone brings it to the end (the executor polls between
  // instructions and waits at the transfer's wait).
  auto engine = make(options(2, 4096));
  ASSERT_TRUE(engine);
  std::vector<uint8_t> source = pattern(64 * 4096 + 123, 7);
  std::vector<uint8_t> result(source.size(), 0);
  unsigned tensor = 0;
  ASSERT_EQ(addAndWrite(*engine, "polled", source, &tensor), "");
  uint64_t requests = engine->stats().requests;
  auto r = engine->read(tensor, result.data());
  ASSERT_TRUE(static_cast<bool>(r));
  unsigned polls = 0;
  while (!engine->done(*r)) {
    ASSERT_EQ(errorOf(engine->poll()), "");
    ASSERT_LT(++polls, 10000000u) << "the read never completed";
  }
  EXPECT_EQ(engine->stats().requests - requests, 65u);
  EXPECT_EQ(result, source);
  // Its wait returns at once, without error.
  EXPECT_EQ(errorOf(engine->wait(*r)), "");
  // An unknown ticket (already waited for) counts as done.
  EXPECT_TRUE(engine->done(*r));
}

TEST_F(SwapEngineTest, ShutdownWithTransfersInFlightRemovesEverything) {
  std::string swapDir;
  {
    auto engine = make(options(16, 4096));
    ASSERT_TRUE(engine);
    swapDir = engine->path().str();
    std::vector<uint8_t> big = pattern(8 << 20, 1);
    for (int i = 0; i < 4; ++i) {
      auto tensor = engine->addTensor("big", big.size());
      ASSERT_TRUE(static_cast<bool>(tensor));
      ASSERT_TRUE(static_cast<bool>(engine->write(*tensor, big.data())));
    }
    // Destroyed with writes in flight: it cancels or waits, then cleans up
    // (big outlives the engine).
    engine.reset();
  }
  EXPECT_FALSE(llvm::sys::fs::exists(swapDir));
}

TEST_F(SwapEngineTest, SecondRunOnTheSameRankIsRefused) {
  auto first = make(options());
  ASSERT_TRUE(first);
  auto second = SwapEngine::create(options());
  ASSERT_FALSE(static_cast<bool>(second));
  std::string message = llvm::toString(second.takeError());
  EXPECT_NE(
      message.find("in use by another run (pid " + std::to_string(::getpid())),
      std::string::npos)
      << message;
  // Another rank is fine.
  SwapOptions other = options();
  other.rank = 1;
  EXPECT_TRUE(make(other));
  // The refused engine did not remove the first one's files.
  EXPECT_TRUE(llvm::sys::fs::exists(first->path()));
}

TEST_F(SwapEngineTest, StaleFilesOfADeadRunAreRemoved) {
  std::string stale = dir + "/dsc-swap-rank0";
  ASSERT_FALSE(llvm::sys::fs::create_directory(stale));
  for (const char *name : {"/lock", "/0-a.swap", "/1-b.swap"}) {
    int fd = ::open((stale + name).c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "4242\n", 5), 5);
    ::close(fd);
  }
  std::string notice;
  auto engine = make(options(), nullptr, &notice);
  ASSERT_TRUE(engine);
  EXPECT_NE(notice.find("removed 2 stale swap files of a run that did not "
                        "end (pid 4242)"),
            std::string::npos)
      << notice;
  EXPECT_FALSE(llvm::sys::fs::exists(stale + "/0-a.swap"));
}

TEST_F(SwapEngineTest, MissingDirectoryIsAnError) {
  SwapOptions o = options();
  o.directory = dir + "/nowhere";
  auto engine = SwapEngine::create(o);
  ASSERT_FALSE(static_cast<bool>(engine));
  EXPECT_EQ(llvm::toString(engine.takeError()),
            "--nvme-path " + o.directory + ": No such file or directory");
  o.directory = dir + "/file";
  ::close(::open(o.directory.c_str(), O_CREAT | O_WRONLY, 0600));
  engine = SwapEngine::create(o);
  ASSERT_FALSE(static_cast<bool>(engine));
  EXPECT_EQ(llvm::toString(engine.takeError()),
            "--nvme-path " + o.directory + ": not a directory");
}

TEST_F(SwapEngineTest, FullDiskNamesTheFileAndTheTensor) {
  dsc::rt::IoFaults faults;
  faults.spaceBytes = 100000;
  auto engine = make(options(4, 16384), &faults);
  ASSERT_TRUE(engine);
  unsigned tensor;
  std::string message =
      addAndWrite(*engine, "layers.0.exp_avg", pattern(300000, 3), &tensor);
  EXPECT_NE(message.find("writing swap file " + engine->filePath(tensor).str() +
                         " (tensor layers.0.exp_avg) at offset 98304: No "
                         "space left on device (the disk is full)"),
            std::string::npos)
      << message;
  // What still fits is written and read back whole.
  std::vector<uint8_t> small = pattern(1000, 4), back(1000);
  unsigned other;
  EXPECT_EQ(addAndWrite(*engine, "small", small, &other), "");
  auto r = engine->read(other, back.data());
  ASSERT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(errorOf(engine->wait(*r)), "");
  EXPECT_EQ(back, small);
}

TEST_F(SwapEngineTest, IoErrorAndShortRead) {
  dsc::rt::IoFaults faults;
  faults.failRequest = 3;
  auto engine = make(options(2, 4096), &faults);
  ASSERT_TRUE(engine);
  std::vector<uint8_t> source = pattern(20000, 5);
  std::string message = addAndWrite(*engine, "wte", source);
  EXPECT_NE(message.find("(tensor wte) at offset 8192: Input/output error"),
            std::string::npos)
      << message;

  dsc::rt::IoFaults shortRead;
  shortRead.shortRead = 2;
  // One request at a time: the first short read is the one at 4096.
  SwapOptions o = options(1, 4096);
  o.rank = 1;
  auto reader = make(o, &shortRead);
  ASSERT_TRUE(reader);
  unsigned t;
  ASSERT_EQ(addAndWrite(*reader, "wpe", source, &t), "");
  std::vector<uint8_t> back(source.size());
  auto r = reader->read(t, back.data());
  ASSERT_TRUE(static_cast<bool>(r));
  message = errorOf(reader->wait(*r));
  EXPECT_NE(message.find("short read of swap file " +
                         reader->filePath(t).str() +
                         " (tensor wpe): 2048 of 4096 bytes at offset 4096"),
            std::string::npos)
      << message;
}

TEST_F(SwapEngineTest, TruncatedReplacedOrRemovedFiles) {
  auto engine = make(options());
  ASSERT_TRUE(engine);
  std::vector<uint8_t> source = pattern(10000, 6), back(10000);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(addAndWrite(*engine, "h." + std::to_string(i), source), "");
  std::string path0 = engine->filePath(0).str();
  ASSERT_EQ(::truncate(path0.c_str(), 4096), 0);
  auto r = engine->read(0, back.data());
  ASSERT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(llvm::toString(r.takeError()),
            "swap file " + path0 + " (tensor h.0) was truncated to 4096 of " +
                std::to_string(llvm::alignTo(10000, engine->alignment())) +
                " bytes behind the run's back");

  std::string path1 = engine->filePath(1).str();
  std::string other = dir + "/other";
  ::close(::open(other.c_str(), O_CREAT | O_WRONLY, 0600));
  ASSERT_EQ(::rename(other.c_str(), path1.c_str()), 0);
  r = engine->read(1, back.data());
  ASSERT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(llvm::toString(r.takeError()),
            "swap file " + path1 +
                " (tensor h.1) was replaced or removed behind the run's back");

  std::string path2 = engine->filePath(2).str();
  ASSERT_EQ(::unlink(path2.c_str()), 0);
  EXPECT_FALSE(static_cast<bool>(engine->write(2, source.data())));
}

TEST_F(SwapEngineTest, RealFullFileSystemWhereMountingIsAllowed) {
  // A 256 KiB tmpfs: preallocating a larger tensor fails at addTensor.
  std::string mount = dir + "/small";
  ASSERT_FALSE(llvm::sys::fs::create_directory(mount));
  if (::mount("tmpfs", mount.c_str(), "tmpfs", 0, "size=256k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  llvm::scope_exit unmount([&] { ::umount(mount.c_str()); });
  {
    SwapOptions o = options();
    o.directory = mount;
    auto created = SwapEngine::create(o);
    if (!created) {
      std::string message = llvm::toString(created.takeError());
      if (message.find("does not support direct I/O") != std::string::npos)
        GTEST_SKIP() << message;
      FAIL() << message;
    }
    std::unique_ptr<SwapEngine> engine = std::move(*created);
    auto tensor = engine->addTensor("too.big", 1 << 20);
    ASSERT_FALSE(static_cast<bool>(tensor));
    std::string message = llvm::toString(tensor.takeError());
    EXPECT_NE(message.find("(tensor too.big): No space left on device"),
              std::string::npos)
        << message;
    auto fits = engine->addTensor("fits", 100000);
    EXPECT_TRUE(static_cast<bool>(fits));
  }
}

TEST(IoFaultsTest, Parses) {
  auto faults = dsc::rt::parseIoFaults("enospc=100, eio=3,short-read=2");
  ASSERT_TRUE(static_cast<bool>(faults));
  EXPECT_EQ(faults->spaceBytes, 100u);
  EXPECT_EQ(faults->failRequest, 3u);
  EXPECT_EQ(faults->shortRead, 2u);
  auto bad = dsc::rt::parseIoFaults("enospc=lots");
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(llvm::toString(bad.takeError()),
            "swap fault 'enospc=lots': expected KEY=NUMBER");
  bad = dsc::rt::parseIoFaults("flood=1");
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(llvm::toString(bad.takeError()),
            "unknown swap fault 'flood' (enospc, eio or short-read)");
}

} // namespace
