//===- CommTest.cpp - the Gloo collectives with ranks as threads ----------===//
//
// Every rank is a thread with its own World, connected over loopback TCP
// through its own rendezvous store, so these tests exercise the same code a
// multi-process run does. Expected values are computed by hand from each
// rank's inputs.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Comm.h"

#include "llvm/Support/Error.h"

#include "gtest/gtest.h"

#include <arpa/inet.h>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace dsc::rt;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

#define EXPECT_OK(expr)                                                        \
  do {                                                                         \
    llvm::Error err_ = (expr);                                                 \
    EXPECT_FALSE(static_cast<bool>(err_)) << llvm::toString(std::move(err_));  \
  } while (false)

#define ASSERT_OK(expr)                                                        \
  do {                                                                         \
    llvm::Error err_ = (expr);                                                 \
    ASSERT_FALSE(static_cast<bool>(err_)) << llvm::toString(std::move(err_));  \
  } while (false)

/// Returns a loopback port that was free a moment ago.
int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
  socklen_t size = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &size);
  ::close(fd);
  return ntohs(addr.sin_port);
}

WorldOptions optionsFor(int rank, int size, int port,
                        std::chrono::milliseconds timeout = 20s) {
  WorldOptions options;
  options.rank = rank;
  options.worldSize = size;
  options.masterAddr = "127.0.0.1";
  options.masterPort = port;
  options.timeout = timeout;
  return options;
}

/// Runs `body` on `size` ranks, one thread and one World each.
void runRanks(int size, const std::function<void(World &)> &body,
              int port = freePort()) {
  std::vector<std::thread> threads;
  for (int rank = 0; rank < size; ++rank)
    threads.emplace_back([&, rank] {
      auto world = connectWorld(optionsFor(rank, size, port));
      ASSERT_TRUE(static_cast<bool>(world))
          << "rank " << rank << ": " << llvm::toString(world.takeError());
      EXPECT_EQ((*world)->rank(), rank);
      EXPECT_EQ((*world)->world().size(), size);
      body(**world);
    });
  for (std::thread &thread : threads)
    thread.join();
}

constexpr size_t kCount = 7; // odd, and not a multiple of any group size

class CommTest : public ::testing::TestWithParam<int> {};

//===----------------------------------------------------------------------===//
// allReduce
//===----------------------------------------------------------------------===//

TEST_P(CommTest, AllReduceF32) {
  int n = GetParam();
  runRanks(n, [&](World &world) {
    int r = world.rank();
    Communicator &comm = world.world();
    std::vector<float> sum(kCount), mean(kCount), max(kCount);
    for (size_t i = 0; i < kCount; ++i) {
      sum[i] = mean[i] = static_cast<float>(r + 1) + 0.5f * i;
      // The maximum comes from a different rank for each element.
      max[i] = static_cast<int>(i) % n == r ? 100.0f + i : -1.0f * r - i;
    }
    EXPECT_OK(comm.allReduce(sum.data(), kCount, DType::F32, ReduceOp::Sum));
    EXPECT_OK(comm.allReduce(mean.data(), kCount, DType::F32, ReduceOp::Mean));
    EXPECT_OK(comm.allReduce(max.data(), kCount, DType::F32, ReduceOp::Max));
    for (size_t i = 0; i < kCount; ++i) {
      float expectedSum = n * (n + 1) / 2.0f + n * 0.5f * i;
      EXPECT_EQ(sum[i], expectedSum) << "rank " << r << " element " << i;
      EXPECT_FLOAT_EQ(mean[i], expectedSum / n) << "element " << i;
      EXPECT_EQ(max[i], 100.0f + i) << "element " << i;
    }
  });
}

TEST_P(CommTest, AllReduceI64) {
  int n = GetParam();
  const int64_t big = 1000000000000; // beyond 32 bits
  runRanks(n, [&](World &world) {
    int r = world.rank();
    Communicator &comm = world.world();
    std::vector<int64_t> sum(kCount), mean(kCount), max(kCount);
    for (size_t i = 0; i < kCount; ++i) {
      sum[i] = mean[i] = (r + 1) * big + static_cast<int64_t>(i);
      max[i] = static_cast<int>(i) % n == r ? big + i : -big * r;
    }
    EXPECT_OK(comm.allReduce(sum.data(), kCount, DType::I64, ReduceOp::Sum));
    EXPECT_OK(comm.allReduce(mean.data(), kCount, DType::I64, ReduceOp::Mean));
    EXPECT_OK(comm.allReduce(max.data(), kCount, DType::I64, ReduceOp::Max));
    for (size_t i = 0; i < kCount; ++i) {
      int64_t expectedSum = n * (n + 1) / 2 * big + n * static_cast<int64_t>(i);
      EXPECT_EQ(sum[i], expectedSum) << "element " << i;
      EXPECT_EQ(mean[i], (n + 1) * big / 2 + static_cast<int64_t>(i));
      EXPECT_EQ(max[i], big + static_cast<int64_t>(i));
    }
  });
}

TEST_P(CommTest, AllReduceOtherTypes) {
  int n = GetParam();
  runRanks(n, [&](World &world) {
    int r = world.rank();
    Communicator &comm = world.world();
    std::vector<double> f64(kCount);
    std::vector<int32_t> i32(kCount);
    for (size_t i = 0; i < kCount; ++i) {
      f64[i] = 0.25 * (r + 1) * (i + 1);
      i32[i] = (r + 1) * 1000 - static_cast<int32_t>(i);
    }
    EXPECT_OK(comm.allReduce(f64.data(), kCount, DType::F64, ReduceOp::Sum));
    EXPECT_OK(comm.allReduce(i32.data(), kCount, DType::I32, ReduceOp::Max));
    for (size_t i = 0; i < kCount; ++i) {
      EXPECT_EQ(f64[i], 0.25 * n * (n + 1) / 2 * (i + 1));
      EXPECT_EQ(i32[i], n * 1000 - static_cast<int32_t>(i));
    }

    // 16-bit floats: small integers and halves are exact in both formats.
    // 1.0 = 0x3c00 (F16) = 0x3f80 (BF16); sum of n ones is n.
    std::vector<uint16_t> f16(kCount, 0x3c00), bf16(kCount, 0x3f80);
    EXPECT_OK(comm.allReduce(f16.data(), kCount, DType::F16, ReduceOp::Sum));
    EXPECT_OK(comm.allReduce(bf16.data(), kCount, DType::BF16, ReduceOp::Sum));
    const uint16_t f16Of[] = {0, 0x3c00, 0x4000, 0x4200, 0x4400};
    const uint16_t bf16Of[] = {0, 0x3f80, 0x4000, 0x4040, 0x4080};
    for (size_t i = 0; i < kCount; ++i) {
      EXPECT_EQ(f16[i], f16Of[n]) << "element " << i;
      EXPECT_EQ(bf16[i], bf16Of[n]) << "element " << i;
    }
    std::vector<uint16_t> meanBf16(kCount,
                                   r == 0 ? 0x4000 : 0); // 2.0 at rank 0
    EXPECT_OK(
        comm.allReduce(meanBf16.data(), kCount, DType::BF16, ReduceOp::Mean));
    const uint16_t twoOver[] = {0, 0x4000, 0x3f80, 0x3f2b, 0x3f00};
    EXPECT_EQ(meanBf16[0], twoOver[n]); // 2/3 rounds to 0x3f2b
  });
}

//===----------------------------------------------------------------------===//
// allGather, reduceScatter
//===----------------------------------------------------------------------===//

TEST_P(CommTest, AllGather) {
  int n = GetParam();
  runRanks(n, [&](World &world) {
    int r = world.rank();
    Communicator &comm = world.world();
    std::vector<int32_t> in(kCount), out(kCount * n, -1);
    for (size_t i = 0; i < kCount; ++i)
      in[i] = r * 100 + static_cast<int32_t>(i);
    EXPECT_OK(comm.allGather(in.data(), out.data(), kCount, DType::I32));
    for (int j = 0; j < n; ++j)
      for (size_t i = 0; i < kCount; ++i)
        EXPECT_EQ(out[j * kCount + i], j * 100 + static_cast<int32_t>(i));

    // In place: the input is this rank's chunk of the output.
    std::vector<float> inPlace(kCount * n, -1.0f);
    for (size_t i = 0; i < kCount; ++i)
      inPlace[r * kCount + i] = r + 0.5f * i;
    EXPECT_OK(comm.allGather(inPlace.data() + r * kCount, inPlace.data(),
                             kCount, DType::F32));
    for (int j = 0; j < n; ++j)
      for (size_t i = 0; i < kCount; ++i)
        EXPECT_EQ(inPlace[j * kCount + i], j + 0.5f * i);
  });
}

TEST_P(CommTest, ReduceScatter) {
  int n = GetParam();
  runRanks(n, [&](World &world) {
    int r = world.rank();
    Communicator &comm = world.world();
    std::vector<float> in(kCount * n), out(kCount, -1.0f);
    std::vector<int64_t> inI(kCount * n), outI(kCount, -1);
    for (size_t k = 0; k < kCount * n; ++k) {
      in[k] = static_cast<float>((r + 1) * k);
      inI[k] = (r + 1) * static_cast<int64_t>(k) - 5;
    }
    EXPECT_OK(comm.reduceScatter(in.data(), out.data(), kCount, DType::F32,
                                 ReduceOp::Sum));
    EXPECT_OK(comm.reduceScatter(inI.data(), outI.data(), kCount, DType::I64,
                                 ReduceOp::Max));
    for (size_t i = 0; i < kCount; ++i) {
      size_t k = r * kCount + i;
      EXPECT_EQ(out[i], static_cast<float>(n * (n + 1) / 2 * k));
      EXPECT_EQ(outI[i], n * static_cast<int64_t>(k) - 5);
    }
    std::vector<float> mean(kCount);
    EXPECT_OK(comm.reduceScatter(in.data(), mean.data(), kCount, DType::F32,
                                 ReduceOp::Mean));
    for (size_t i = 0; i < kCount; ++i)
      EXPECT_FLOAT_EQ(mean[i], (n + 1) / 2.0f * (r * kCount + i));
  });
}

//===----------------------------------------------------------------------===//
// allToAll
//===----------------------------------------------------------------------===//

TEST_P(CommTest, AllToAllEqualSplits) {
  int n = GetParam();
  runRanks(n, [&](World &world) {
    int r = world.rank();
    Communicator &comm = world.world();
    std::vector<int32_t> in(kCount * n), out(kCount * n, -1);
    for (int p = 0; p < n; ++p)
      for (size_t i = 0; i < kCount; ++i)
        in[p * kCount + i] = r * 1000 + p * 10 + static_cast<int32_t>(i);
    std::vector<size_t> counts(n, kCount);
    EXPECT_OK(comm.allToAll(in.data(), out.data(), counts, counts, DType::I32));
    for (int p = 0; p < n; ++p)
      for (size_t i = 0; i < kCount; ++i)
        EXPECT_EQ(out[p * kCount + i],
                  p * 1000 + r * 10 + static_cast<int32_t>(i))
            << "from rank " << p << " element " << i;
  });
}

TEST_P(CommTest, AllToAllUnequalSplits) {
  int n = GetParam();
  // Rank s sends c(s, d) elements to rank d; some pairs exchange nothing.
  auto c = [](int s, int d) -> size_t { return (s + 2 * d) % 3 * 2 + s % 2; };
  runRanks(n, [&](World &world) {
    int r = world.rank();
    Communicator &comm = world.world();
    std::vector<size_t> sendCounts(n), recvCounts(n);
    std::vector<double> in, expected;
    for (int p = 0; p < n; ++p) {
      sendCounts[p] = c(r, p);
      recvCounts[p] = c(p, r);
      for (size_t i = 0; i < sendCounts[p]; ++i)
        in.push_back(r * 1000 + p * 10 + i + 0.5);
      for (size_t i = 0; i < recvCounts[p]; ++i)
        expected.push_back(p * 1000 + r * 10 + i + 0.5);
    }
    std::vector<double> out(expected.size(), -1.0);
    EXPECT_OK(comm.allToAll(in.data(), out.data(), sendCounts, recvCounts,
                            DType::F64));
    EXPECT_EQ(out, expected);
  });
}

//===----------------------------------------------------------------------===//
// broadcast, barrier
//===----------------------------------------------------------------------===//

TEST_P(CommTest, Broadcast) {
  int n = GetParam();
  runRanks(n, [&](World &world) {
    int r = world.rank();
    Communicator &comm = world.world();
    for (int root : {n - 1, n / 2}) {
      std::vector<int64_t> data(kCount, -1);
      if (r == root)
        for (size_t i = 0; i < kCount; ++i)
          data[i] = root * 100 + static_cast<int64_t>(i) * 3;
      EXPECT_OK(comm.broadcast(data.data(), kCount, DType::I64, root));
      for (size_t i = 0; i < kCount; ++i)
        EXPECT_EQ(data[i], root * 100 + static_cast<int64_t>(i) * 3);
    }
  });
}

TEST_P(CommTest, Barrier) {
  int n = GetParam();
  std::atomic<int> entered{0};
  runRanks(n, [&](World &world) {
    // Late ranks make an early one wait in the barrier.
    std::this_thread::sleep_for(std::chrono::milliseconds(50 * world.rank()));
    ++entered;
    EXPECT_OK(world.world().barrier());
    EXPECT_EQ(entered.load(), n);
    EXPECT_OK(world.world().barrier());
  });
}

INSTANTIATE_TEST_SUITE_P(Ranks, CommTest, ::testing::Values(1, 2, 3, 4),
                         [](const auto &info) {
                           return std::to_string(info.param) + "Ranks";
                         });

//===----------------------------------------------------------------------===//
// Arguments
//===----------------------------------------------------------------------===//

TEST(CommArgumentsTest, RejectedWithoutPoisoning) {
  runRanks(2, [&](World &world) {
    Communicator &comm = world.world();
    std::vector<float> data(4, 1.0f);
    std::vector<size_t> wrong(3, 1);
    llvm::Error err =
        comm.allToAll(data.data(), data.data(), wrong, wrong, DType::F32);
    ASSERT_TRUE(static_cast<bool>(err));
    EXPECT_NE(llvm::toString(std::move(err)).find("expected 2 send"),
              std::string::npos);
    err = comm.broadcast(data.data(), 4, DType::F32, 2);
    ASSERT_TRUE(static_cast<bool>(err));
    EXPECT_NE(llvm::toString(std::move(err)).find("root 2"), std::string::npos);
    err = comm.allReduce(data.data(), 4, DType::Bool, ReduceOp::Sum);
    ASSERT_TRUE(static_cast<bool>(err));
    EXPECT_NE(llvm::toString(std::move(err)).find("BOOL"), std::string::npos);
    // The communicator still works.
    EXPECT_OK(comm.allReduce(data.data(), 4, DType::F32, ReduceOp::Sum));
    EXPECT_EQ(data[3], 2.0f);
    auto bad = world.group({0, 0});
    ASSERT_FALSE(static_cast<bool>(bad));
    EXPECT_NE(llvm::toString(bad.takeError()).find("twice"), std::string::npos);
    auto other = world.group({1 - world.rank()});
    ASSERT_FALSE(static_cast<bool>(other));
    EXPECT_NE(llvm::toString(other.takeError()).find("not a member"),
              std::string::npos);
  });
}

//===----------------------------------------------------------------------===//
// Mesh groups
//===----------------------------------------------------------------------===//

TEST(MeshGroupTest, Cases) {
  // 2x3 mesh: rank 4 is at (1, 1).
  EXPECT_EQ(meshGroup({2, 3}, {1}, 4), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(meshGroup({2, 3}, {0}, 4), (std::vector<int>{1, 4}));
  EXPECT_EQ(meshGroup({2, 3}, {}, 4), (std::vector<int>{4}));
  EXPECT_EQ(meshGroup({2, 3}, {0, 1}, 4), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(meshGroup({2, 3}, {1, 0}, 0), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  // 2x2x2 mesh: rank 3 is at (0, 1, 1); axes 0 and 2 keep axis 1 at 1.
  EXPECT_EQ(meshGroup({2, 2, 2}, {0, 2}, 3), (std::vector<int>{2, 3, 6, 7}));
  EXPECT_EQ(meshGroup({2, 2, 2}, {1}, 5), (std::vector<int>{5, 7}));
  EXPECT_EQ(meshGroup({4}, {0}, 2), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(meshGroup({1, 4}, {0}, 2), (std::vector<int>{2}));
  // Invalid: rank outside the mesh, axis outside, repeated axis.
  EXPECT_TRUE(meshGroup({2, 3}, {0}, 6).empty());
  EXPECT_TRUE(meshGroup({2, 3}, {2}, 0).empty());
  EXPECT_TRUE(meshGroup({2, 3}, {1, 1}, 0).empty());
  EXPECT_TRUE(meshGroup({2, 3}, {0}, -1).empty());
}

TEST(MeshGroupTest, GroupsAlongEachAxisOf2x2) {
  // Ranks: 0 = (0,0), 1 = (0,1), 2 = (1,0), 3 = (1,1).
  runRanks(4, [&](World &world) {
    int r = world.rank();
    std::vector<int> rowRanks = meshGroup({2, 2}, {1}, r);
    std::vector<int> colRanks = meshGroup({2, 2}, {0}, r);
    EXPECT_EQ(rowRanks, (std::vector<int>{r / 2 * 2, r / 2 * 2 + 1}));
    EXPECT_EQ(colRanks, (std::vector<int>{r % 2, r % 2 + 2}));

    auto row = world.group(rowRanks);
    ASSERT_TRUE(static_cast<bool>(row)) << llvm::toString(row.takeError());
    auto col = world.group(colRanks);
    ASSERT_TRUE(static_cast<bool>(col)) << llvm::toString(col.takeError());
    EXPECT_EQ(row->size(), 2);
    EXPECT_EQ(row->rank(), r % 2);
    EXPECT_EQ(col->rank(), r / 2);
    EXPECT_EQ(col->worldRanks(), llvm::ArrayRef<int>(colRanks));

    // Sum of the world ranks of each group.
    std::vector<int64_t> rowSum(kCount, r), colSum(kCount, r);
    EXPECT_OK(row->allReduce(rowSum.data(), kCount, DType::I64, ReduceOp::Sum));
    EXPECT_OK(col->allReduce(colSum.data(), kCount, DType::I64, ReduceOp::Sum));
    EXPECT_EQ(rowSum[kCount - 1], rowRanks[0] + rowRanks[1]);
    EXPECT_EQ(colSum[0], colRanks[0] + colRanks[1]);

    // Gather along columns, scatter-reduce along rows.
    std::vector<float> gathered(2 * kCount);
    std::vector<float> mine(kCount, 10.0f * r);
    EXPECT_OK(col->allGather(mine.data(), gathered.data(), kCount, DType::F32));
    EXPECT_EQ(gathered[0], 10.0f * colRanks[0]);
    EXPECT_EQ(gathered[kCount], 10.0f * colRanks[1]);
    std::vector<float> scattered(kCount);
    std::vector<float> contribution(2 * kCount);
    for (size_t k = 0; k < 2 * kCount; ++k)
      contribution[k] = static_cast<float>(r * k);
    EXPECT_OK(row->reduceScatter(contribution.data(), scattered.data(), kCount,
                                 DType::F32, ReduceOp::Sum));
    size_t k = (r % 2) * kCount + 3;
    EXPECT_EQ(scattered[3],
              static_cast<float>((rowRanks[0] + rowRanks[1]) * k));
    EXPECT_OK(col->barrier());

    // The same list gives the same communicator; the whole world in order
    // gives the world communicator.
    auto again = world.group(rowRanks);
    ASSERT_TRUE(static_cast<bool>(again));
    EXPECT_EQ(&*again, &*row);
    auto all = world.group(meshGroup({2, 2}, {0, 1}, r));
    ASSERT_TRUE(static_cast<bool>(all));
    EXPECT_EQ(&*all, &world.world());

    // A group in a non-sorted order: group ranks follow the list.
    auto reversed = world.group({3, 2, 1, 0});
    ASSERT_TRUE(static_cast<bool>(reversed))
        << llvm::toString(reversed.takeError());
    EXPECT_EQ(reversed->rank(), 3 - r);
    std::vector<int32_t> rootData(kCount, r == 3 ? 33 : 0);
    EXPECT_OK(reversed->broadcast(rootData.data(), kCount, DType::I32, 0));
    EXPECT_EQ(rootData[kCount - 1], 33);
  });
}

//===----------------------------------------------------------------------===//
// Environment
//===----------------------------------------------------------------------===//

llvm::Expected<WorldOptions>
fromEnv(const std::map<std::string, std::string> &env) {
  return worldOptionsFromEnvironment(
      [&](llvm::StringRef name) -> std::optional<std::string> {
        auto it = env.find(name.str());
        if (it == env.end())
          return std::nullopt;
        return it->second;
      });
}

std::string errorOf(const std::map<std::string, std::string> &env) {
  auto options = fromEnv(env);
  if (options)
    return "(no error)";
  return llvm::toString(options.takeError());
}

TEST(EnvironmentTest, Torchrun) {
  auto options = fromEnv({{"RANK", "3"},
                          {"WORLD_SIZE", "8"},
                          {"LOCAL_RANK", "1"},
                          {"MASTER_ADDR", "node0"},
                          {"MASTER_PORT", "29501"}});
  ASSERT_TRUE(static_cast<bool>(options))
      << llvm::toString(options.takeError());
  EXPECT_EQ(options->rank, 3);
  EXPECT_EQ(options->worldSize, 8);
  EXPECT_EQ(options->localRank, 1);
  EXPECT_EQ(options->masterAddr, "node0");
  EXPECT_EQ(options->masterPort, 29501);
  EXPECT_EQ(options->timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(options->backend, "gloo");
  EXPECT_FALSE(options->launcherServesStore);
}

TEST(EnvironmentTest, TorchrunAgentStore) {
  // torchrun's agent serves the store: rank 0 connects to it as a client.
  auto options = fromEnv({{"RANK", "0"},
                          {"WORLD_SIZE", "4"},
                          {"MASTER_ADDR", "127.0.0.1"},
                          {"MASTER_PORT", "29400"},
                          {"TORCHELASTIC_USE_AGENT_STORE", "True"}});
  ASSERT_TRUE(static_cast<bool>(options))
      << llvm::toString(options.takeError());
  EXPECT_TRUE(options->launcherServesStore);
}

TEST(EnvironmentTest, RunId) {
  auto own = fromEnv({{"RANK", "0"},
                      {"WORLD_SIZE", "1"},
                      {"DSC_RUN_ID", "a1"},
                      {"TORCHELASTIC_RUN_ID", "t"}});
  ASSERT_TRUE(static_cast<bool>(own)) << llvm::toString(own.takeError());
  EXPECT_EQ(own->runId, "a1");
  auto torchrun = fromEnv(
      {{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"TORCHELASTIC_RUN_ID", "t"}});
  ASSERT_TRUE(static_cast<bool>(torchrun))
      << llvm::toString(torchrun.takeError());
  EXPECT_EQ(torchrun->runId, "t");
}

TEST(EnvironmentTest, Mpirun) {
  auto options = fromEnv({{"OMPI_COMM_WORLD_RANK", "5"},
                          {"OMPI_COMM_WORLD_SIZE", "6"},
                          {"OMPI_COMM_WORLD_LOCAL_RANK", "2"},
                          {"MASTER_ADDR", "10.0.0.1"},
                          {"MASTER_PORT", "1234"},
                          {"DSC_COMM_TIMEOUT_MS", "2500"}});
  ASSERT_TRUE(static_cast<bool>(options))
      << llvm::toString(options.takeError());
  EXPECT_EQ(options->rank, 5);
  EXPECT_EQ(options->worldSize, 6);
  EXPECT_EQ(options->localRank, 2);
  EXPECT_EQ(options->masterAddr, "10.0.0.1");
  EXPECT_EQ(options->masterPort, 1234);
  EXPECT_EQ(options->timeout, std::chrono::milliseconds(2500));
}

TEST(EnvironmentTest, Srun) {
  auto options = fromEnv({{"SLURM_PROCID", "0"},
                          {"SLURM_NTASKS", "2"},
                          {"SLURM_LOCALID", "0"},
                          {"MASTER_ADDR", "gpu-17"},
                          {"MASTER_PORT", "40000"},
                          {"DSC_COMM_BACKEND", "nccl"}});
  ASSERT_TRUE(static_cast<bool>(options))
      << llvm::toString(options.takeError());
  EXPECT_EQ(options->rank, 0);
  EXPECT_EQ(options->worldSize, 2);
  EXPECT_EQ(options->masterAddr, "gpu-17");
  EXPECT_EQ(options->masterPort, 40000);
  EXPECT_EQ(options->backend, "nccl");
}

TEST(EnvironmentTest, SingleRankNeedsNoMaster) {
  auto options = fromEnv({{"RANK", "0"}, {"WORLD_SIZE", "1"}});
  ASSERT_TRUE(static_cast<bool>(options))
      << llvm::toString(options.takeError());
  EXPECT_EQ(options->masterAddr, "127.0.0.1");
  EXPECT_EQ(options->localRank, 0);
}

TEST(EnvironmentTest, Errors) {
  auto contains = [](const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
  };
  EXPECT_PRED2(contains, errorOf({}), "no launcher environment");
  EXPECT_PRED2(contains, errorOf({{"RANK", "1"}}),
               "RANK is set but WORLD_SIZE is not");
  EXPECT_PRED2(contains, errorOf({{"WORLD_SIZE", "2"}}),
               "WORLD_SIZE is set but RANK is not");
  EXPECT_PRED2(contains,
               errorOf({{"RANK", "x1"},
                        {"WORLD_SIZE", "2"},
                        {"MASTER_ADDR", "h"},
                        {"MASTER_PORT", "1"}}),
               "RANK='x1' is not an integer");
  EXPECT_PRED2(contains, errorOf({{"RANK", "2"}, {"WORLD_SIZE", "2"}}),
               "RANK='2' is not an integer in [0, 1]");
  EXPECT_PRED2(contains, errorOf({{"RANK", "0"}, {"WORLD_SIZE", "0"}}),
               "WORLD_SIZE='0'");
  EXPECT_PRED2(
      contains,
      errorOf({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "29500"}}),
      "MASTER_ADDR is not set");
  EXPECT_PRED2(contains,
               errorOf({{"OMPI_COMM_WORLD_RANK", "0"},
                        {"OMPI_COMM_WORLD_SIZE", "2"},
                        {"MASTER_ADDR", "h"}}),
               "MASTER_PORT is not set");
  EXPECT_PRED2(contains,
               errorOf({{"SLURM_PROCID", "0"},
                        {"SLURM_NTASKS", "2"},
                        {"MASTER_ADDR", "h"},
                        {"MASTER_PORT", "70000"}}),
               "MASTER_PORT='70000'");
  EXPECT_PRED2(
      contains,
      errorOf({{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"LOCAL_RANK", "-1"}}),
      "LOCAL_RANK='-1'");
  EXPECT_PRED2(
      contains,
      errorOf(
          {{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"DSC_COMM_TIMEOUT_MS", "0"}}),
      "DSC_COMM_TIMEOUT_MS='0'");
  EXPECT_PRED2(contains,
               errorOf({{"RANK", "0"},
                        {"WORLD_SIZE", "1"},
                        {"DSC_COMM_TIMEOUT_MS", "soon"}}),
               "DSC_COMM_TIMEOUT_MS='soon'");
  EXPECT_PRED2(
      contains,
      errorOf(
          {{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"DSC_COMM_BACKEND", "mpi"}}),
      "DSC_COMM_BACKEND='mpi'");
}

TEST(EnvironmentTest, ReadsTheProcessEnvironment) {
  const char *names[] = {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};
  std::map<std::string, std::optional<std::string>> saved;
  for (const char *name : names)
    if (const char *value = std::getenv(name))
      saved[name] = value;
    else
      saved[name] = std::nullopt;
  ::setenv("RANK", "1", 1);
  ::setenv("WORLD_SIZE", "2", 1);
  ::setenv("MASTER_ADDR", "127.0.0.1", 1);
  ::setenv("MASTER_PORT", "29999", 1);
  auto options = worldOptionsFromEnvironment();
  for (auto &[name, value] : saved)
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  ASSERT_TRUE(static_cast<bool>(options))
      << llvm::toString(options.takeError());
  EXPECT_EQ(options->rank, 1);
  EXPECT_EQ(options->masterPort, 29999);
}

//===----------------------------------------------------------------------===//
// Failures
//===----------------------------------------------------------------------===//

/// With two ranks and a 2 s timeout, rank `leaver` destroys its World after
/// connecting; the other rank's allReduce must fail, naming the lost rank,
/// within a few seconds.
void expectLostPeer(int leaver) {
  int port = freePort();
  std::promise<void> left;
  std::shared_future<void> hasLeft = left.get_future().share();
  std::thread quitter([&] {
    auto world = connectWorld(optionsFor(leaver, 2, port, 2000ms));
    ASSERT_TRUE(static_cast<bool>(world)) << llvm::toString(world.takeError());
    EXPECT_OK((*world)->world().barrier());
    world->reset();
    left.set_value();
  });
  auto world = connectWorld(optionsFor(1 - leaver, 2, port, 2000ms));
  ASSERT_TRUE(static_cast<bool>(world)) << llvm::toString(world.takeError());
  EXPECT_OK((*world)->world().barrier());
  hasLeft.wait();

  std::vector<float> data(kCount, 1.0f);
  auto start = Clock::now();
  llvm::Error err = (*world)->world().allReduce(data.data(), kCount, DType::F32,
                                                ReduceOp::Sum);
  auto elapsed = Clock::now() - start;
  ASSERT_TRUE(static_cast<bool>(err)) << "allReduce succeeded without a peer";
  std::string message = llvm::toString(std::move(err));
  EXPECT_LT(elapsed, 5s) << message;
  EXPECT_NE(message.find("allReduce failed"), std::string::npos) << message;
  EXPECT_NE(message.find("rank " + std::to_string(leaver)), std::string::npos)
      << message;
  // Later calls repeat the failure at once instead of touching the network.
  err = (*world)->world().barrier();
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("earlier failure"),
            std::string::npos);
  quitter.join();
}

TEST(CommFailureTest, PeerLeavesBeforeAllReduce) { expectLostPeer(1); }

TEST(CommFailureTest, StoreHostLeavesBeforeAllReduce) { expectLostPeer(0); }

TEST(CommFailureTest, PeerOfThreeLeaves) {
  // Rank 2 leaves; ranks 0 and 1 both fail fast, whoever notices first
  // resetting the group for the other.
  int port = freePort();
  std::promise<void> left;
  std::shared_future<void> hasLeft = left.get_future().share();
  std::thread quitter([&] {
    auto world = connectWorld(optionsFor(2, 3, port, 2000ms));
    ASSERT_TRUE(static_cast<bool>(world)) << llvm::toString(world.takeError());
    EXPECT_OK((*world)->world().barrier());
    world->reset();
    left.set_value();
  });
  std::vector<std::thread> survivors;
  for (int rank = 0; rank < 2; ++rank)
    survivors.emplace_back([&, rank] {
      auto world = connectWorld(optionsFor(rank, 3, port, 2000ms));
      ASSERT_TRUE(static_cast<bool>(world))
          << llvm::toString(world.takeError());
      EXPECT_OK((*world)->world().barrier());
      hasLeft.wait();
      std::vector<double> data(kCount, 1.0);
      auto start = Clock::now();
      llvm::Error err = (*world)->world().allReduce(data.data(), kCount,
                                                    DType::F64, ReduceOp::Sum);
      auto elapsed = Clock::now() - start;
      ASSERT_TRUE(static_cast<bool>(err));
      std::string message = llvm::toString(std::move(err));
      EXPECT_LT(elapsed, 5s) << message;
      EXPECT_TRUE(message.find("is unreachable") != std::string::npos ||
                  message.find("timed out") != std::string::npos)
          << message;
    });
  for (std::thread &thread : survivors)
    thread.join();
  quitter.join();
}

TEST(CommFailureTest, SilentPeerTimesOut) {
  // Rank 1 stays connected but never joins the allReduce.
  int port = freePort();
  std::promise<void> done;
  std::shared_future<void> isDone = done.get_future().share();
  std::thread silent([&] {
    auto world = connectWorld(optionsFor(1, 2, port, 2000ms));
    ASSERT_TRUE(static_cast<bool>(world)) << llvm::toString(world.takeError());
    isDone.wait();
  });
  auto world = connectWorld(optionsFor(0, 2, port, 2000ms));
  ASSERT_TRUE(static_cast<bool>(world)) << llvm::toString(world.takeError());
  std::vector<int64_t> data(kCount, 1);
  auto start = Clock::now();
  llvm::Error err = (*world)->world().allReduce(data.data(), kCount, DType::I64,
                                                ReduceOp::Sum);
  auto elapsed = Clock::now() - start;
  done.set_value();
  silent.join();
  ASSERT_TRUE(static_cast<bool>(err));
  std::string message = llvm::toString(std::move(err));
  EXPECT_GE(elapsed, 1900ms) << message;
  EXPECT_LT(elapsed, 6s) << message;
  EXPECT_NE(message.find("timed out after 2000 ms waiting for rank 1"),
            std::string::npos)
      << message;
}

TEST(CommFailureTest, RendezvousWithAMissingRank) {
  // Three ranks expected, two arrive.
  int port = freePort();
  std::vector<std::string> messages(2);
  std::vector<Clock::duration> elapsed(2);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < 2; ++rank)
    threads.emplace_back([&, rank] {
      auto start = Clock::now();
      auto world = connectWorld(optionsFor(rank, 3, port, 2000ms));
      elapsed[rank] = Clock::now() - start;
      ASSERT_FALSE(static_cast<bool>(world)) << "rank " << rank << " connected";
      messages[rank] = llvm::toString(world.takeError());
    });
  for (std::thread &thread : threads)
    thread.join();
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_NE(messages[rank].find("1 of 3 ranks did not arrive"),
              std::string::npos)
        << messages[rank];
    EXPECT_NE(messages[rank].find("missing ranks [2]"), std::string::npos)
        << messages[rank];
    EXPECT_LT(elapsed[rank], 6s) << messages[rank];
  }
}

TEST(CommFailureTest, RanksOfAnotherRunOnThePortDoNotJoin) {
  // Rank 0 of run "a" serves the store; rank 1 of run "b" found the same
  // port. Neither joins the other's world: both time out.
  int port = freePort();
  std::vector<std::string> messages(2);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < 2; ++rank)
    threads.emplace_back([&, rank] {
      // Rank 1 gives up first, while rank 0 still serves the store.
      WorldOptions options =
          optionsFor(rank, 2, port, rank == 0 ? 3000ms : 1000ms);
      options.runId = rank == 0 ? "a" : "b";
      auto world = connectWorld(options);
      ASSERT_FALSE(static_cast<bool>(world)) << "rank " << rank << " joined";
      messages[rank] = llvm::toString(world.takeError());
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_NE(messages[0].find("missing ranks [1]"), std::string::npos)
      << messages[0];
  EXPECT_NE(messages[1].find("missing ranks [0]"), std::string::npos)
      << messages[1];
}

/// How long a failure to assemble a group may take with a 1 s timeout: a
/// few timeouts, not a hang.
constexpr auto kFailureBound = std::chrono::seconds(15);

TEST(CommFailureTest, GroupMemberNeverJoins) {
  // Rank 0 creates the group {0, 2}; rank 2 never does.
  int port = freePort();
  std::promise<void> done;
  std::shared_future<void> isDone = done.get_future().share();
  std::vector<std::thread> others;
  for (int rank = 1; rank < 3; ++rank)
    others.emplace_back([&, rank] {
      auto world = connectWorld(optionsFor(rank, 3, port, 1000ms));
      ASSERT_TRUE(static_cast<bool>(world))
          << llvm::toString(world.takeError());
      isDone.wait();
    });
  auto world = connectWorld(optionsFor(0, 3, port, 1000ms));
  ASSERT_TRUE(static_cast<bool>(world)) << llvm::toString(world.takeError());
  auto start = Clock::now();
  auto group = (*world)->group({0, 2});
  auto elapsed = Clock::now() - start;
  done.set_value();
  for (std::thread &thread : others)
    thread.join();
  ASSERT_FALSE(static_cast<bool>(group));
  std::string message = llvm::toString(group.takeError());
  EXPECT_NE(message.find("1 of 2 ranks did not arrive (missing ranks [2])"),
            std::string::npos)
      << message;
  // Ends within a few 1 s timeouts (LibTorch's store retries its connect)
  // instead of hanging: the bound is loose because ctest runs these beside
  // the lit suite on two cores (4 s was missed by 0.3 s in CI).
  EXPECT_LT(elapsed, kFailureBound) << message;
}

TEST(CommFailureTest, RendezvousWithoutRankZero) {
  int port = freePort();
  auto start = Clock::now();
  auto world = connectWorld(optionsFor(1, 2, port, 1000ms));
  auto elapsed = Clock::now() - start;
  ASSERT_FALSE(static_cast<bool>(world));
  std::string message = llvm::toString(world.takeError());
  EXPECT_NE(message.find("cannot reach the rendezvous store"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("rank 0"), std::string::npos) << message;
  // Ends within a few 1 s timeouts (LibTorch's store retries its connect)
  // instead of hanging: the bound is loose because ctest runs these beside
  // the lit suite on two cores (4 s was missed by 0.3 s in CI).
  EXPECT_LT(elapsed, kFailureBound) << message;
}

TEST(CommFailureTest, BadOptions) {
  WorldOptions options = optionsFor(2, 2, 1234);
  auto world = connectWorld(options);
  ASSERT_FALSE(static_cast<bool>(world));
  EXPECT_NE(llvm::toString(world.takeError()).find("rank must lie"),
            std::string::npos);
  options = optionsFor(0, 1, 1234);
  options.backend = "mpi";
  world = connectWorld(options);
  ASSERT_FALSE(static_cast<bool>(world));
  EXPECT_NE(llvm::toString(world.takeError()).find("unknown backend"),
            std::string::npos);
}

TEST(CommFailureTest, RerunOnTheSamePort) {
  // A run right after another (here: right after a failed rendezvous) can
  // serve the store on the same port again.
  int port = freePort();
  {
    auto world = connectWorld(optionsFor(0, 2, port, 300ms));
    ASSERT_FALSE(static_cast<bool>(world));
    llvm::consumeError(world.takeError());
  }
  for (int run = 0; run < 2; ++run)
    runRanks(
        2,
        [&](World &world) {
          int64_t value = world.rank() + 1;
          EXPECT_OK(
              world.world().allReduce(&value, 1, DType::I64, ReduceOp::Sum));
          EXPECT_EQ(value, 3);
        },
        port);
}

} // namespace
