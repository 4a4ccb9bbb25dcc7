//===- GlooCommunicator.cpp - collectives over Gloo's TCP transport -------===//
//
// Gloo reports failures by throwing (`gloo::IoException` when a peer is lost
// or a wait times out, `gloo::EnforceNotMet` for broken invariants); this
// file is the boundary where they become `llvm::Error`s. Gloo's messages name
// peers by their socket address, so every communicator keeps the address of
// each peer as Gloo prints it, to name the lost rank instead.
//
// Over 500 lines because it is one class, the Gloo implementation of the
// Communicator interface, with one method per collective.
//
//===----------------------------------------------------------------------===//

#include "Backends.h"
#include "GlooReductions.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include "gloo/allgather.h"
#include "gloo/allreduce.h"
#include "gloo/alltoallv.h"
#include "gloo/barrier.h"
#include "gloo/broadcast.h"
#include "gloo/common/error.h"
#include "gloo/common/logging.h"
#include "gloo/rendezvous/context.h"
#include "gloo/rendezvous/store.h"
#include "gloo/transport/tcp/address.h"
#include "gloo/transport/tcp/device.h"

#include <cstring>
#include <numeric>

using namespace dsc::rt;
using namespace dsc::rt::comm;
using std::chrono::milliseconds;

namespace {

/// Gloo's store interface over the rendezvous store, under a key prefix.
/// Gloo expects failures as exceptions.
class GlooStore final : public gloo::rendezvous::Store {
public:
  GlooStore(StoreClient &client, std::string prefix, milliseconds timeout)
      : client(client), prefix(std::move(prefix)), timeout(timeout) {}

  void set(const std::string &key, const std::vector<char> &data) override {
    if (llvm::Error err = client.set(join(key), data))
      throw gloo::IoException(llvm::toString(std::move(err)));
  }

  std::vector<char> get(const std::string &key) override {
    auto value = client.get(join(key), timeout);
    if (!value)
      throw gloo::IoException(llvm::toString(value.takeError()));
    return std::move(*value);
  }

  void wait(const std::vector<std::string> &keys) override {
    wait(keys, timeout);
  }

  void wait(const std::vector<std::string> &keys,
            const milliseconds &waitTimeout) override {
    std::vector<std::string> joined;
    for (const std::string &key : keys)
      joined.push_back(join(key));
    milliseconds limit = waitTimeout.count() > 0 ? waitTimeout : timeout;
    auto missing = client.wait(joined, limit);
    if (!missing)
      throw gloo::IoException(llvm::toString(missing.takeError()));
    if (!missing->empty())
      throw gloo::IoException(
          llvm::formatv("timed out after {0} ms waiting for '{1}' in the "
                        "rendezvous store",
                        limit.count(), missing->front())
              .str());
  }

private:
  std::string join(const std::string &key) const { return prefix + "/" + key; }

  StoreClient &client;
  std::string prefix;
  milliseconds timeout;
};

/// Drops the "[file.cc:123] " locations that Gloo puts before its messages.
std::string stripLocations(llvm::StringRef text) {
  while (text.starts_with("[")) {
    size_t end = text.find("] ");
    if (end == llvm::StringRef::npos || !text.take_front(end).contains(".cc:"))
      break;
    text = text.drop_front(end + 2);
  }
  return text.str();
}

/// One group of ranks over Gloo.
class GlooCommunicator final : public Communicator {
public:
  static llvm::Expected<std::unique_ptr<GlooCommunicator>>
  create(Rendezvous &rendezvous,
         std::shared_ptr<gloo::transport::Device> device, llvm::StringRef key,
         llvm::ArrayRef<int> ranks, int groupRank);

  llvm::StringRef backendName() const override { return "gloo"; }

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
  GlooCommunicator(int groupRank, std::vector<int> ranks, milliseconds timeout)
      : Communicator(groupRank, std::move(ranks)), timeout(timeout) {}

  /// Runs `body`, turning whatever Gloo throws into an error.
  llvm::Error guard(llvm::function_ref<void()> body);
  /// Explains a Gloo failure message: which rank was lost and how.
  std::string explain(llvm::StringRef what) const;
  /// Reads from the store the address that each peer's pair with this rank
  /// listens on, which is how Gloo's messages name that peer while
  /// connecting.
  void collectPeerAddresses(StoreClient &store, llvm::StringRef key,
                            milliseconds wait);
  /// Once connected, Gloo names a peer by the far end of the socket, which
  /// is the peer's own end: each rank publishes the local ends of its
  /// sockets, and reads those of its peers' sockets with it.
  void publishEndpoints(StoreClient &store, llvm::StringRef key);
  void collectEndpoints(StoreClient &store, llvm::StringRef key);
  /// Returns a fresh tag: Gloo matches messages by tag, and a new tag per
  /// collective keeps a late message from one from matching the next.
  uint32_t nextTag() { return tagCounter++; }
  /// Reduces `count` elements of a native type in place.
  void allReduceNative(void *data, size_t count, DType dtype, ReduceOp op);

  std::shared_ptr<gloo::rendezvous::Context> context;
  milliseconds timeout;
  uint32_t tagCounter = 0;
  /// Gloo's text for a peer's address, and the peer's world rank.
  std::vector<std::pair<std::string, int>> peerAddresses;
};

} // namespace

llvm::Expected<std::unique_ptr<GlooCommunicator>> GlooCommunicator::create(
    Rendezvous &rendezvous, std::shared_ptr<gloo::transport::Device> device,
    llvm::StringRef key, llvm::ArrayRef<int> ranks, int groupRank) {
  std::unique_ptr<GlooCommunicator> comm(new GlooCommunicator(
      groupRank, std::vector<int>(ranks.begin(), ranks.end()),
      rendezvous.timeout()));
  GlooStore store(rendezvous.store(), key.str(), rendezvous.timeout());
  llvm::Error err = comm->guard([&] {
    comm->context = std::make_shared<gloo::rendezvous::Context>(
        groupRank, static_cast<int>(ranks.size()));
    comm->context->setTimeout(rendezvous.timeout());
    try {
      comm->context->connectFullMesh(store, device);
    } catch (...) {
      // The addresses that were published tell which peer did not answer.
      comm->collectPeerAddresses(rendezvous.store(), key, milliseconds(0));
      throw;
    }
    comm->collectPeerAddresses(rendezvous.store(), key, milliseconds(0));
    comm->publishEndpoints(rendezvous.store(), key);
    // Once all members pass this, every member has published its endpoints,
    // and nobody reads this group's keys after reading those: rank 0 may
    // take the store down.
    gloo::BarrierOptions barrier(comm->context);
    barrier.setTag(comm->nextTag());
    barrier.setTimeout(comm->timeout);
    gloo::barrier(barrier);
    comm->collectEndpoints(rendezvous.store(), key);
  });
  if (err)
    return llvm::createStringError(
        llvm::formatv("connecting the Gloo mesh of {0}: {1}",
                      formatRanks(ranks), llvm::toString(std::move(err)))
            .str());
  return comm;
}

void GlooCommunicator::collectPeerAddresses(StoreClient &store,
                                            llvm::StringRef key,
                                            milliseconds wait) {
  peerAddresses.clear();
  int n = size();
  for (int i = 0; i < n; ++i) {
    if (i == rank())
      continue;
    // Gloo stores under "<i>" the addresses of rank i's pairs with every
    // other rank, in rank order, skipping i itself.
    auto all = store.get((key + "/" + llvm::Twine(i)).str(), wait);
    if (!all) {
      llvm::consumeError(all.takeError());
      continue;
    }
    size_t each = all->size() / (n - 1);
    size_t index = rank() > i ? rank() - 1 : rank();
    if (each == 0 || all->size() % (n - 1) != 0)
      continue;
    try {
      gloo::transport::tcp::Address address(std::vector<char>(
          all->begin() + index * each, all->begin() + (index + 1) * each));
      peerAddresses.emplace_back(address.str(), worldRanks()[i]);
    } catch (...) {
      // Best effort: without the address, errors just do not name the peer.
    }
  }
}

void GlooCommunicator::publishEndpoints(StoreClient &store,
                                        llvm::StringRef key) {
  std::string ends;
  for (int i = 0; i < size(); ++i) {
    if (i != rank())
      ends += context->getPair(i)->address().str();
    ends += '\n';
  }
  if (llvm::Error err =
          store.set((key + "/endpoints/" + llvm::Twine(rank())).str(),
                    llvm::ArrayRef<char>(ends.data(), ends.size())))
    throw gloo::IoException(llvm::toString(std::move(err)));
}

void GlooCommunicator::collectEndpoints(StoreClient &store,
                                        llvm::StringRef key) {
  for (int i = 0; i < size(); ++i) {
    if (i == rank())
      continue;
    auto ends = store.get((key + "/endpoints/" + llvm::Twine(i)).str(),
                          milliseconds(0));
    if (!ends) {
      llvm::consumeError(ends.takeError());
      continue;
    }
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(ends->data(), ends->size())
        .split(lines, '\n', -1, /*KeepEmpty=*/true);
    if (lines.size() > static_cast<size_t>(rank()) && !lines[rank()].empty())
      peerAddresses.emplace_back(lines[rank()].str(), worldRanks()[i]);
  }
}

std::string GlooCommunicator::explain(llvm::StringRef what) const {
  std::string detail = stripLocations(what);
  std::optional<int> peer;
  for (const auto &[address, worldRank] : peerAddresses) {
    // "[127.0.0.1]:1234$1" must not match "[127.0.0.1]:1234$12".
    for (size_t at = what.find(address); at != llvm::StringRef::npos;
         at = what.find(address, at + 1)) {
      size_t end = at + address.size();
      if (end == what.size() || !llvm::isDigit(what[end])) {
        peer = worldRank;
        break;
      }
    }
    if (peer)
      break;
  }

  llvm::StringRef how;
  bool timedOut = false;
  if (what.contains("Connection closed by peer") ||
      what.contains("Socket closed"))
    how = "connection closed";
  else if (what.contains("Read error") || what.contains("writev") ||
           what.contains("Connection reset"))
    how = "connection lost";
  else if (what.contains("Connect timeout"))
    how = "connecting timed out";
  else if (what.contains("timeout") || what.contains("Timed out") ||
           what.contains("timed out"))
    timedOut = true;

  // With one peer there is no doubt about who it is (gloo's message may
  // name a connection's address that no endpoint lists).
  if (!peer && size() == 2 && (timedOut || !how.empty()))
    peer = worldRanks()[1 - rank()];
  if (peer && !how.empty())
    return llvm::formatv("rank {0} is unreachable: {1} (gloo: {2})", *peer, how,
                         detail)
        .str();
  if (timedOut || peer) {
    std::string who =
        peer ? "rank " + std::to_string(*peer) : std::string("a peer");
    return llvm::formatv("timed out after {0} ms waiting for {1}: it stopped "
                         "participating or is too slow (gloo: {2})",
                         timeout.count(), who, detail)
        .str();
  }
  if (!how.empty())
    return llvm::formatv("a peer is unreachable: {0} (gloo: {1})", how, detail)
        .str();
  return "gloo: " + detail;
}

llvm::Error GlooCommunicator::guard(llvm::function_ref<void()> body) {
  std::string message;
  try {
    body();
    return llvm::Error::success();
  } catch (const gloo::IoException &e) {
    message = explain(e.what());
  } catch (const gloo::EnforceNotMet &e) {
    message = "gloo rejected the call: " + stripLocations(e.what());
  } catch (const std::exception &e) {
    message = explain(e.what());
  } catch (...) {
    message = "gloo threw an unknown exception";
  }
  // A failed collective leaves the group out of step. Resetting the
  // connections tells the peers at once (as ncclCommAbort does), rather than
  // after their timeout.
  if (context) {
    try {
      context->closeConnections();
    } catch (...) {
    }
  }
  return llvm::createStringError(message);
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

/// Sets Gloo's output buffer of `bytes / elementSize` elements: Gloo only
/// uses the template type for its size.
template <typename Options>
static void setOutputBySize(Options &opts, void *data, size_t count,
                            size_t elementSize) {
  switch (elementSize) {
  case 1:
    return opts.template setOutput<uint8_t>(static_cast<uint8_t *>(data),
                                            count);
  case 2:
    return opts.template setOutput<uint16_t>(static_cast<uint16_t *>(data),
                                             count);
  case 4:
    return opts.template setOutput<uint32_t>(static_cast<uint32_t *>(data),
                                             count);
  default:
    return opts.template setOutput<uint64_t>(static_cast<uint64_t *>(data),
                                             count);
  }
}

void GlooCommunicator::allReduceNative(void *data, size_t count, DType dtype,
                                       ReduceOp op) {
  gloo::AllreduceOptions opts(context);
  setOutputBySize(opts, data, count, dtypeSize(dtype));
  opts.setReduceFunction(reduceFunction(dtype, op));
  opts.setTag(nextTag());
  opts.setTimeout(timeout);
  gloo::allreduce(opts);
  if (op == ReduceOp::Mean)
    divideInPlace(data, count, dtype, size());
}

llvm::Error GlooCommunicator::doAllReduce(void *data, size_t count, DType dtype,
                                          ReduceOp op) {
  return guard([&] {
    if (!reducedInFloat(dtype))
      return allReduceNative(data, count, dtype, op);
    std::vector<float> wide(count);
    widenToFloat(data, wide.data(), count, dtype);
    allReduceNative(wide.data(), count, DType::F32, op);
    narrowFromFloat(wide.data(), data, count, dtype);
  });
}

llvm::Error GlooCommunicator::doReduceScatter(const void *in, void *out,
                                              size_t countPerRank, DType dtype,
                                              ReduceOp op) {
  // Gloo 0.5 has no new-style reduce-scatter: reduce everything, keep one
  // chunk.
  size_t chunkBytes = countPerRank * dtypeSize(dtype);
  std::vector<char> all(chunkBytes * size());
  std::memcpy(all.data(), in, all.size());
  if (llvm::Error err =
          doAllReduce(all.data(), countPerRank * size(), dtype, op))
    return err;
  std::memcpy(out, all.data() + chunkBytes * rank(), chunkBytes);
  return llvm::Error::success();
}

llvm::Error GlooCommunicator::doAllGather(const void *in, void *out,
                                          size_t countPerRank, DType dtype) {
  size_t chunkBytes = countPerRank * dtypeSize(dtype);
  return guard([&] {
    gloo::AllgatherOptions opts(context);
    uint8_t *outBytes = static_cast<uint8_t *>(out);
    // In place when the input already is this rank's chunk of the output.
    if (in != outBytes + chunkBytes * rank())
      opts.setInput<uint8_t>(
          const_cast<uint8_t *>(static_cast<const uint8_t *>(in)), chunkBytes);
    opts.setOutput<uint8_t>(outBytes, chunkBytes * size());
    opts.setTag(nextTag());
    opts.setTimeout(timeout);
    gloo::allgather(opts);
  });
}

llvm::Error GlooCommunicator::doAllToAll(const void *in, void *out,
                                         llvm::ArrayRef<size_t> sendCounts,
                                         llvm::ArrayRef<size_t> recvCounts,
                                         DType dtype) {
  size_t elementSize = dtypeSize(dtype);
  std::vector<int64_t> sendBytes, recvBytes;
  for (size_t count : sendCounts)
    sendBytes.push_back(static_cast<int64_t>(count * elementSize));
  for (size_t count : recvCounts)
    recvBytes.push_back(static_cast<int64_t>(count * elementSize));
  // Peers exchange (empty) messages even when this rank moves no data, so
  // the buffers must exist.
  static uint8_t empty[1];
  auto *inBytes = const_cast<uint8_t *>(static_cast<const uint8_t *>(in));
  auto *outBytes = static_cast<uint8_t *>(out);
  if (std::accumulate(sendBytes.begin(), sendBytes.end(), int64_t(0)) == 0)
    inBytes = empty;
  if (std::accumulate(recvBytes.begin(), recvBytes.end(), int64_t(0)) == 0)
    outBytes = empty;
  return guard([&] {
    gloo::AlltoallvOptions opts(context);
    opts.setInput<uint8_t>(inBytes, sendBytes);
    opts.setOutput<uint8_t>(outBytes, recvBytes);
    opts.setTag(nextTag());
    opts.setTimeout(timeout);
    gloo::alltoallv(opts);
  });
}

llvm::Error GlooCommunicator::doBroadcast(void *data, size_t count, DType dtype,
                                          int root) {
  return guard([&] {
    gloo::BroadcastOptions opts(context);
    opts.setOutput<uint8_t>(static_cast<uint8_t *>(data),
                            count * dtypeSize(dtype));
    opts.setRoot(root);
    opts.setTag(nextTag());
    opts.setTimeout(timeout);
    gloo::broadcast(opts);
  });
}

llvm::Error GlooCommunicator::doBarrier() {
  return guard([&] {
    gloo::BarrierOptions opts(context);
    opts.setTag(nextTag());
    opts.setTimeout(timeout);
    gloo::barrier(opts);
  });
}

//===----------------------------------------------------------------------===//
// GlooWorld
//===----------------------------------------------------------------------===//

namespace {

class GlooWorld final : public World {
public:
  GlooWorld(const WorldOptions &options, std::unique_ptr<Rendezvous> rendezvous,
            std::shared_ptr<gloo::transport::Device> device,
            std::unique_ptr<GlooCommunicator> worldComm)
      : World(options), rendezvous(std::move(rendezvous)),
        device(std::move(device)), worldComm(std::move(worldComm)) {}

  ~GlooWorld() override {
    // Contexts close their connections before the device's event loop stops
    // and before rank 0 takes the store down.
    destroyGroups();
    worldComm.reset();
    device.reset();
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
    auto comm =
        GlooCommunicator::create(*rendezvous, device, key, ranks, groupRank);
    if (!comm)
      return comm.takeError();
    return std::unique_ptr<Communicator>(std::move(*comm));
  }

private:
  std::unique_ptr<Rendezvous> rendezvous;
  std::shared_ptr<gloo::transport::Device> device;
  std::unique_ptr<GlooCommunicator> worldComm;
};

} // namespace

llvm::Expected<std::unique_ptr<World>>
comm::connectGlooWorld(const WorldOptions &options,
                       std::unique_ptr<Rendezvous> rendezvous) {
  auto address = localBindAddress(options);
  if (!address)
    return address.takeError();
  std::shared_ptr<gloo::transport::Device> device;
  try {
    gloo::transport::tcp::attr attr;
    attr.hostname = *address;
    device = gloo::transport::tcp::CreateDevice(attr);
  } catch (const std::exception &e) {
    return llvm::createStringError("cannot open Gloo's TCP transport on '" +
                                   *address + "': " + stripLocations(e.what()));
  }
  std::vector<int> all(options.worldSize);
  std::iota(all.begin(), all.end(), 0);
  auto worldComm =
      GlooCommunicator::create(*rendezvous, device, "world", all, options.rank);
  if (!worldComm)
    return worldComm.takeError();
  return std::make_unique<GlooWorld>(options, std::move(rendezvous),
                                     std::move(device), std::move(*worldComm));
}
