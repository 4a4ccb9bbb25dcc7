//===- Rendezvous.cpp - how ranks find each other -------------------------===//

#include "Rendezvous.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <arpa/inet.h>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace dsc::rt;
using namespace dsc::rt::comm;

std::string comm::formatRanks(llvm::ArrayRef<int> ranks) {
  std::string out = "[";
  llvm::interleave(
      ranks, [&](int rank) { out += std::to_string(rank); },
      [&] { out += ", "; });
  return out + "]";
}

llvm::Expected<std::unique_ptr<Rendezvous>>
Rendezvous::connect(const WorldOptions &options) {
  std::unique_ptr<Rendezvous> result(new Rendezvous(options));
  if (options.rank == 0 && !options.launcherServesStore) {
    auto server = StoreServer::start(options.masterPort);
    if (!server)
      return server.takeError();
    result->server = std::move(*server);
  }
  auto client = StoreClient::connect(
      options.masterAddr, options.masterPort, options.timeout,
      options.launcherServesStore
          ? "the launcher (TORCHELASTIC_USE_AGENT_STORE)"
          : "rank 0",
      options.runId);
  if (!client)
    return client.takeError();
  result->client = std::move(*client);

  std::vector<int> all(options.worldSize);
  for (int i = 0; i < options.worldSize; ++i)
    all[i] = i;
  if (llvm::Error err = result->arrive("world", all, "the world")) {
    // The store goes with this rank: first let the ranks that arrived read
    // who is missing (they report when they have), for a few seconds at most.
    if (result->server) {
      std::vector<std::string> reported;
      for (int rank = 1; rank < options.worldSize; ++rank) {
        auto arrived =
            result->client->get("world/arrived/" + std::to_string(rank),
                                std::chrono::milliseconds(0));
        if (arrived)
          reported.push_back("world/reported/" + std::to_string(rank));
        else
          llvm::consumeError(arrived.takeError());
      }
      auto unreported = result->client->wait(
          reported, std::min(options.timeout, std::chrono::milliseconds(3000)));
      if (!unreported)
        llvm::consumeError(unreported.takeError());
    }
    return std::move(err);
  }
  return result;
}

llvm::Error Rendezvous::arrive(llvm::StringRef scope, llvm::ArrayRef<int> ranks,
                               llvm::StringRef what) {
  auto keyOf = [&](int rank) {
    return (scope + "/arrived/" + llvm::Twine(rank)).str();
  };
  if (llvm::Error err = client->set(keyOf(options.rank), {'1'}))
    return err;
  std::vector<std::string> keys;
  for (int rank : ranks)
    keys.push_back(keyOf(rank));
  auto missingKeys = client->wait(keys, options.timeout);
  if (!missingKeys)
    return missingKeys.takeError();
  if (missingKeys->empty())
    return llvm::Error::success();

  std::vector<int> missing;
  for (int rank : ranks)
    if (llvm::is_contained(*missingKeys, keyOf(rank)))
      missing.push_back(rank);
  // Rank 0 keeps the store up until this rank has read the answer.
  llvm::consumeError(client->set(
      (scope + "/reported/" + llvm::Twine(options.rank)).str(), {'1'}));
  return llvm::createStringError(
      llvm::formatv("rendezvous of {0} timed out after {1} ms: {2} of {3} "
                    "ranks did not arrive (missing ranks {4})",
                    what, options.timeout.count(), missing.size(), ranks.size(),
                    formatRanks(missing))
          .str());
}

/// Returns the addresses `host` resolves to.
static std::vector<sockaddr_storage> resolveAll(llvm::StringRef host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo *result = nullptr;
  std::vector<sockaddr_storage> out;
  if (::getaddrinfo(host.str().c_str(), "9", &hints, &result) != 0)
    return out;
  for (addrinfo *ai = result; ai; ai = ai->ai_next) {
    sockaddr_storage ss{};
    std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    out.push_back(ss);
  }
  ::freeaddrinfo(result);
  return out;
}

static std::string addressText(const sockaddr_storage &ss) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in &>(ss).sin_addr,
                text, sizeof(text));
  else
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 &>(ss).sin6_addr,
                text, sizeof(text));
  return text;
}

llvm::Expected<std::string>
comm::localBindAddress(const WorldOptions &options) {
  if (!options.bindAddress.empty())
    return options.bindAddress;
  std::vector<sockaddr_storage> master = resolveAll(options.masterAddr);
  if (master.empty())
    return llvm::createStringError("cannot resolve MASTER_ADDR '" +
                                   options.masterAddr + "'");
  const sockaddr_storage &target = master.front();
  if (target.ss_family == AF_INET) {
    uint32_t ip =
        ntohl(reinterpret_cast<const sockaddr_in &>(target).sin_addr.s_addr);
    if ((ip >> 24) == 127)
      return std::string("127.0.0.1");
  } else if (IN6_IS_ADDR_LOOPBACK(
                 &reinterpret_cast<const sockaddr_in6 &>(target).sin6_addr)) {
    return std::string("::1");
  }
  // Connecting a datagram socket sends nothing; it only picks the route.
  int fd = ::socket(target.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return llvm::createStringError(std::string("socket: ") +
                                   std::strerror(errno));
  socklen_t size =
      target.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  sockaddr_storage local{};
  socklen_t localSize = sizeof(local);
  bool ok =
      ::connect(fd, reinterpret_cast<const sockaddr *>(&target), size) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &localSize) == 0;
  int err = errno;
  ::close(fd);
  if (!ok)
    return llvm::createStringError(
        llvm::formatv("no route to MASTER_ADDR '{0}': {1}; set the bind "
                      "address (DSC_COMM_BIND_ADDRESS)",
                      options.masterAddr, std::strerror(err))
            .str());
  return addressText(local);
}
