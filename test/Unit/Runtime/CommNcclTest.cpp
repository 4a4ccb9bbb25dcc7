//===- CommNcclTest.cpp - the NCCL backend on the GPUs at hand ------------===//
//
// Built only with DSC_ENABLE_CUDA; every test skips itself on a machine
// without a GPU. One process has one GPU per rank here, so with one GPU
// only a one-rank world runs its collectives; a second rank on the same GPU
// must fail to connect with an error, not hang.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Comm.h"

#include "gtest/gtest.h"

#include <cuda_runtime.h>

#include <arpa/inet.h>
#include <iostream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace dsc::rt;
using namespace std::chrono_literals;

namespace {

#define EXPECT_OK(expr)                                                        \
  do {                                                                         \
    llvm::Error err_ = (expr);                                                 \
    EXPECT_FALSE(static_cast<bool>(err_)) << llvm::toString(std::move(err_));  \
  } while (false)

int gpuCount() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess)
    return 0;
  return count;
}

int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
  socklen_t size = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &size);
  ::close(fd);
  return ntohs(addr.sin_port);
}

WorldOptions ncclOptions(int rank, int size, int port, int localRank) {
  WorldOptions options;
  options.rank = rank;
  options.worldSize = size;
  options.masterPort = port;
  options.localRank = localRank;
  options.backend = "nccl";
  options.timeout = 20s;
  return options;
}

/// A device buffer holding `values`.
template <typename T> struct DeviceBuffer {
  explicit DeviceBuffer(const std::vector<T> &values) : count(values.size()) {
    EXPECT_EQ(cudaMalloc(&ptr, count * sizeof(T)), cudaSuccess);
    EXPECT_EQ(cudaMemcpy(ptr, values.data(), count * sizeof(T),
                         cudaMemcpyHostToDevice),
              cudaSuccess);
  }
  ~DeviceBuffer() { cudaFree(ptr); }
  std::vector<T> read() const {
    std::vector<T> values(count);
    EXPECT_EQ(cudaMemcpy(values.data(), ptr, count * sizeof(T),
                         cudaMemcpyDeviceToHost),
              cudaSuccess);
    return values;
  }
  T *ptr = nullptr;
  size_t count;
};

TEST(CommNcclTest, OneRankCollectives) {
  if (gpuCount() < 1)
    GTEST_SKIP() << "no GPU";
  auto world = connectWorld(ncclOptions(0, 1, freePort(), 0));
  ASSERT_TRUE(static_cast<bool>(world)) << llvm::toString(world.takeError());
  Communicator &comm = (*world)->world();
  EXPECT_EQ(comm.backendName(), "nccl");

  std::vector<float> values = {1, 2, 3, 4, 5, 6, 7};
  DeviceBuffer<float> data(values);
  EXPECT_OK(comm.allReduce(data.ptr, 7, DType::F32, ReduceOp::Sum));
  EXPECT_OK(comm.allReduce(data.ptr, 7, DType::F32, ReduceOp::Mean));
  EXPECT_OK(comm.allReduce(data.ptr, 7, DType::F32, ReduceOp::Max));
  EXPECT_EQ(data.read(), values);

  std::vector<int64_t> longs = {-3, 1ll << 40, 7, 0, 1, 2, 3};
  DeviceBuffer<int64_t> in(longs), out(std::vector<int64_t>(7, -1));
  EXPECT_OK(comm.allGather(in.ptr, out.ptr, 7, DType::I64));
  EXPECT_EQ(out.read(), longs);
  DeviceBuffer<int64_t> scattered(std::vector<int64_t>(7, -1));
  EXPECT_OK(
      comm.reduceScatter(in.ptr, scattered.ptr, 7, DType::I64, ReduceOp::Sum));
  EXPECT_EQ(scattered.read(), longs);
  DeviceBuffer<int64_t> exchanged(std::vector<int64_t>(7, -1));
  std::vector<size_t> counts = {7};
  EXPECT_OK(comm.allToAll(in.ptr, exchanged.ptr, counts, counts, DType::I64));
  EXPECT_EQ(exchanged.read(), longs);
  EXPECT_OK(comm.broadcast(in.ptr, 7, DType::I64, 0));
  EXPECT_EQ(in.read(), longs);
  EXPECT_OK(comm.barrier());

  std::vector<uint16_t> bf16(7, 0x3f80);
  DeviceBuffer<uint16_t> half(bf16);
  EXPECT_OK(comm.allReduce(half.ptr, 7, DType::BF16, ReduceOp::Sum));
  EXPECT_EQ(half.read(), bf16);
}

TEST(CommNcclTest, StagesHostMemoryAndRejectsUnsupportedTypes) {
  if (gpuCount() < 1)
    GTEST_SKIP() << "no GPU";
  auto world = connectWorld(ncclOptions(0, 1, freePort(), 0));
  ASSERT_TRUE(static_cast<bool>(world)) << llvm::toString(world.takeError());
  // Host buffers go through device temporaries (ds-run's start agreement
  // and --save's gathers use host memory).
  std::vector<int64_t> value = {5};
  EXPECT_OK(
      (*world)->world().allReduce(value.data(), 1, DType::I64, ReduceOp::Max));
  EXPECT_EQ(value[0], 5);
  std::vector<uint8_t> piece = {1, 2, 3}, whole(3, 0);
  EXPECT_OK(
      (*world)->world().allGather(piece.data(), whole.data(), 3, DType::U8));
  EXPECT_EQ(whole, piece);

  std::vector<int16_t> shorts(7, 1);
  llvm::Error err =
      (*world)->world().allReduce(shorts.data(), 7, DType::I16, ReduceOp::Sum);
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("NCCL cannot reduce I16"),
            std::string::npos);
}

TEST(CommNcclTest, MissingGpuIsAnError) {
  int count = gpuCount();
  if (count < 1)
    GTEST_SKIP() << "no GPU";
  auto world = connectWorld(ncclOptions(0, 1, freePort(), count));
  ASSERT_FALSE(static_cast<bool>(world));
  EXPECT_NE(llvm::toString(world.takeError()).find("has no GPU"),
            std::string::npos);
}

TEST(CommNcclTest, TwoRanksOnOneGpuFailOrWork) {
  if (gpuCount() != 1)
    GTEST_SKIP() << "needs exactly one GPU";
  // NCCL refuses two ranks of one communicator on the same GPU; what must
  // not happen is a hang.
  int port = freePort();
  std::vector<std::string> results(2);
  std::vector<std::thread> threads;
  auto start = std::chrono::steady_clock::now();
  for (int rank = 0; rank < 2; ++rank)
    threads.emplace_back([&, rank] {
      auto options = ncclOptions(rank, 2, port, 0);
      options.timeout = 10s;
      auto world = connectWorld(options);
      if (!world) {
        results[rank] = "error: " + llvm::toString(world.takeError());
        return;
      }
      DeviceBuffer<float> data(std::vector<float>(7, rank + 1.0f));
      llvm::Error err =
          (*world)->world().allReduce(data.ptr, 7, DType::F32, ReduceOp::Sum);
      results[rank] = err ? "error: " + llvm::toString(std::move(err))
                          : "value " + std::to_string(data.read()[6]);
    });
  for (std::thread &thread : threads)
    thread.join();
  auto elapsed = std::chrono::steady_clock::now() - start;
  for (int rank = 0; rank < 2; ++rank) {
    std::cout << "rank " << rank << ": " << results[rank] << "\n";
    EXPECT_TRUE(results[rank].rfind("error: ", 0) == 0 ||
                results[rank] == "value 3.000000")
        << results[rank];
  }
  EXPECT_LT(elapsed, 40s);
}

} // namespace
