//===- Communicator.cpp - checks shared by the backends -------------------===//
//
// Argument checks, failure bookkeeping and group caching that every backend
// shares, `connectWorld`, and `meshGroup`.
//
//===----------------------------------------------------------------------===//

#include "Backends.h"

#include "dsc/Runtime/Comm.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <climits>

using namespace dsc::rt;
using namespace dsc::rt::comm;

llvm::StringRef dsc::rt::reduceOpName(ReduceOp op) {
  switch (op) {
  case ReduceOp::Sum:
    return "sum";
  case ReduceOp::Mean:
    return "mean";
  case ReduceOp::Max:
    return "max";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Communicator
//===----------------------------------------------------------------------===//

Communicator::Communicator(int groupRank, std::vector<int> memberRanks)
    : groupRank(groupRank), memberRanks(std::move(memberRanks)) {}

Communicator::~Communicator() = default;

std::string Communicator::describe(llvm::StringRef opName,
                                   llvm::StringRef message) const {
  return llvm::formatv("{0} failed ({1}, rank {2} of group {3}): {4}", opName,
                       backendName(), groupRank, formatRanks(memberRanks),
                       message)
      .str();
}

llvm::Error Communicator::run(llvm::StringRef opName,
                              llvm::function_ref<llvm::Error()> body) {
  std::lock_guard<std::mutex> lock(mutex);
  if (firstFailure)
    return llvm::createStringError(describe(
        opName, "the communicator is unusable after an earlier failure: " +
                    *firstFailure));
  llvm::Error err = body();
  if (!err)
    return err;
  std::string message = llvm::toString(std::move(err));
  firstFailure = describe(opName, message);
  return llvm::createStringError(*firstFailure);
}

/// Returns whether `op` is defined on `dtype`.
static bool reducible(DType dtype, ReduceOp op) {
  return dtype != DType::Bool || op == ReduceOp::Max;
}

llvm::Error Communicator::allReduce(void *data, size_t count, DType dtype,
                                    ReduceOp op) {
  if (!reducible(dtype, op))
    return llvm::createStringError(
        describe("allReduce", ("reduction '" + reduceOpName(op) +
                               "' is not defined on " + dtypeName(dtype))
                                  .str()));
  if (count == 0)
    return llvm::Error::success();
  return run("allReduce", [&] { return doAllReduce(data, count, dtype, op); });
}

llvm::Error Communicator::allGather(const void *in, void *out,
                                    size_t countPerRank, DType dtype) {
  if (countPerRank == 0)
    return llvm::Error::success();
  return run("allGather",
             [&] { return doAllGather(in, out, countPerRank, dtype); });
}

llvm::Error Communicator::reduceScatter(const void *in, void *out,
                                        size_t countPerRank, DType dtype,
                                        ReduceOp op) {
  if (!reducible(dtype, op))
    return llvm::createStringError(
        describe("reduceScatter", ("reduction '" + reduceOpName(op) +
                                   "' is not defined on " + dtypeName(dtype))
                                      .str()));
  if (countPerRank == 0)
    return llvm::Error::success();
  return run("reduceScatter",
             [&] { return doReduceScatter(in, out, countPerRank, dtype, op); });
}

llvm::Error Communicator::allToAll(const void *in, void *out,
                                   llvm::ArrayRef<size_t> sendCounts,
                                   llvm::ArrayRef<size_t> recvCounts,
                                   DType dtype) {
  if (sendCounts.size() != static_cast<size_t>(size()) ||
      recvCounts.size() != static_cast<size_t>(size()))
    return llvm::createStringError(describe(
        "allToAll", llvm::formatv("expected {0} send and receive counts, got "
                                  "{1} and {2}",
                                  size(), sendCounts.size(), recvCounts.size())
                        .str()));
  if (sendCounts[rank()] != recvCounts[rank()])
    return llvm::createStringError(describe(
        "allToAll",
        llvm::formatv("this rank sends {0} elements to itself but expects {1}",
                      sendCounts[rank()], recvCounts[rank()])
            .str()));
  return run("allToAll", [&] {
    return doAllToAll(in, out, sendCounts, recvCounts, dtype);
  });
}

llvm::Error Communicator::broadcast(void *data, size_t count, DType dtype,
                                    int root) {
  if (root < 0 || root >= size())
    return llvm::createStringError(describe(
        "broadcast",
        llvm::formatv("root {0} is not a rank of the group", root).str()));
  if (count == 0)
    return llvm::Error::success();
  return run("broadcast",
             [&] { return doBroadcast(data, count, dtype, root); });
}

llvm::Error Communicator::barrier() {
  return run("barrier", [&] { return doBarrier(); });
}

//===----------------------------------------------------------------------===//
// World
//===----------------------------------------------------------------------===//

World::World(WorldOptions options) : options(std::move(options)) {}

World::~World() = default;

llvm::Expected<Communicator &> World::group(llvm::ArrayRef<int> ranks) {
  auto fail = [&](llvm::StringRef why) {
    return llvm::createStringError(llvm::formatv("group {0} at rank {1}: {2}",
                                                 formatRanks(ranks), rank(),
                                                 why)
                                       .str());
  };
  if (ranks.empty())
    return fail("a group needs at least one rank");
  std::vector<int> sorted(ranks.begin(), ranks.end());
  llvm::sort(sorted);
  if (sorted.front() < 0 || sorted.back() >= size())
    return fail(llvm::formatv("ranks must lie in [0, {0})", size()).str());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return fail("a rank appears twice");
  auto self = llvm::find(ranks, rank());
  if (self == ranks.end())
    return fail("this rank is not a member");
  int groupRank = static_cast<int>(self - ranks.begin());

  if (ranks.size() == static_cast<size_t>(size()) &&
      llvm::all_of(llvm::enumerate(ranks), [](auto it) {
        return it.value() == static_cast<int>(it.index());
      }))
    return world();

  std::lock_guard<std::mutex> lock(groupsMutex);
  for (auto &[members, comm] : groups)
    if (llvm::ArrayRef<int>(members) == ranks)
      return *comm;
  std::string key = "group";
  for (int r : ranks)
    key += (key.size() == 5 ? "[" : ",") + std::to_string(r);
  key += "]";
  auto comm = createGroup(key, ranks, groupRank);
  if (!comm)
    return fail(llvm::toString(comm.takeError()));
  groups.emplace_back(std::vector<int>(ranks.begin(), ranks.end()),
                      std::move(*comm));
  return *groups.back().second;
}

void World::destroyGroups() {
  std::lock_guard<std::mutex> lock(groupsMutex);
  groups.clear();
}

llvm::Expected<std::unique_ptr<World>>
dsc::rt::connectWorld(const WorldOptions &options) {
  auto fail = [&](llvm::StringRef why) {
    return llvm::createStringError(
        llvm::formatv("connecting rank {0} of {1} ({2}, store {3}:{4}): {5}",
                      options.rank, options.worldSize, options.backend,
                      options.masterAddr, options.masterPort, why)
            .str());
  };
  if (options.worldSize < 1)
    return fail("the world size must be at least 1");
  if (options.rank < 0 || options.rank >= options.worldSize)
    return fail("the rank must lie in [0, world size)");
  if (options.masterPort < 1 || options.masterPort > 65535)
    return fail("the master port must lie in [1, 65535]");
  if (options.timeout.count() <= 0 || options.timeout.count() > INT32_MAX)
    return fail("the timeout must lie in [1, 2^31) ms");
  if (options.localRank < 0)
    return fail("the local rank must not be negative");
  if (options.backend != "gloo" && options.backend != "nccl")
    return fail("unknown backend '" + options.backend +
                "' (expected 'gloo' or 'nccl')");
#ifndef DSC_COMM_HAVE_NCCL
  if (options.backend == "nccl")
    return fail("this build has no NCCL backend (configure with "
                "DSC_ENABLE_CUDA=ON)");
#endif

  auto rendezvous = Rendezvous::connect(options);
  if (!rendezvous)
    return fail(llvm::toString(rendezvous.takeError()));
  auto connectBackend = [&]() -> llvm::Expected<std::unique_ptr<World>> {
#ifdef DSC_COMM_HAVE_NCCL
    if (options.backend == "nccl")
      return connectNcclWorld(options, std::move(*rendezvous));
#endif
    return connectGlooWorld(options, std::move(*rendezvous));
  };
  auto world = connectBackend();
  if (!world)
    return fail(llvm::toString(world.takeError()));
  return world;
}

//===----------------------------------------------------------------------===//
// meshGroup
//===----------------------------------------------------------------------===//

std::vector<int> dsc::rt::meshGroup(llvm::ArrayRef<int64_t> meshShape,
                                    llvm::ArrayRef<int> axes, int rank) {
  int64_t total = 1;
  for (int64_t extent : meshShape) {
    if (extent < 1)
      return {};
    total *= extent;
  }
  if (rank < 0 || rank >= total)
    return {};
  std::vector<bool> inGroup(meshShape.size(), false);
  for (int axis : axes) {
    if (axis < 0 || static_cast<size_t>(axis) >= meshShape.size() ||
        inGroup[axis])
      return {};
    inGroup[axis] = true;
  }

  // Row-major strides; the members are the ranks whose coordinates agree
  // with `rank` on every axis outside the group, visited in rank order.
  std::vector<int64_t> strides(meshShape.size(), 1);
  for (size_t i = meshShape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * meshShape[i];
  auto coordinate = [&](int64_t r, size_t axis) {
    return (r / strides[axis]) % meshShape[axis];
  };
  std::vector<int> members;
  for (int64_t r = 0; r < total; ++r) {
    bool same = true;
    for (size_t axis = 0; axis < meshShape.size() && same; ++axis)
      same = inGroup[axis] || coordinate(r, axis) == coordinate(rank, axis);
    if (same)
      members.push_back(static_cast<int>(r));
  }
  return members;
}
