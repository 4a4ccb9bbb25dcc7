//===- TcpStore.cpp - the rendezvous key-value store over TCP -------------===//
//
// Wire format: every message is a 4-byte little-endian length and a body.
// Requests start with an opcode byte, replies with a status byte; strings are
// length-prefixed. Numbers are little-endian.
//
//===----------------------------------------------------------------------===//

#include "TcpStore.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace dsc::rt::comm;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

enum Op : uint8_t { OpSet = 1, OpGet = 2, OpWait = 3 };
enum Status : uint8_t { StatusOk = 0, StatusTimeout = 1, StatusStopping = 2 };

/// Requests larger than this are treated as garbage: the store only carries
/// addresses and ids.
constexpr uint32_t kMaxMessageBytes = 64u << 20;

std::string errnoText(int err) { return std::strerror(err); }

void appendU32(std::string &out, uint32_t value) {
  char bytes[4];
  llvm::support::endian::write32le(bytes, value);
  out.append(bytes, 4);
}

void appendU64(std::string &out, uint64_t value) {
  char bytes[8];
  llvm::support::endian::write64le(bytes, value);
  out.append(bytes, 8);
}

void appendString(std::string &out, llvm::StringRef value) {
  appendU32(out, static_cast<uint32_t>(value.size()));
  out.append(value.data(), value.size());
}

/// Reads fields from a message body; any overrun sets `failed`.
struct Reader {
  llvm::StringRef rest;
  bool failed = false;

  uint8_t u8() {
    if (rest.size() < 1)
      return failed = true, 0;
    uint8_t value = rest.front();
    rest = rest.drop_front(1);
    return value;
  }
  uint32_t u32() {
    if (rest.size() < 4)
      return failed = true, 0;
    uint32_t value = llvm::support::endian::read32le(rest.data());
    rest = rest.drop_front(4);
    return value;
  }
  uint64_t u64() {
    if (rest.size() < 8)
      return failed = true, 0;
    uint64_t value = llvm::support::endian::read64le(rest.data());
    rest = rest.drop_front(8);
    return value;
  }
  llvm::StringRef string() {
    uint32_t size = u32();
    if (failed || rest.size() < size)
      return failed = true, llvm::StringRef();
    llvm::StringRef value = rest.take_front(size);
    rest = rest.drop_front(size);
    return value;
  }
};

std::string frame(const std::string &body) {
  std::string out;
  appendU32(out, static_cast<uint32_t>(body.size()));
  return out + body;
}

/// Writes all of `bytes` to a blocking socket; false on error.
bool writeAll(int fd, llvm::StringRef bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes = bytes.drop_front(n);
  }
  return true;
}

/// Reads exactly `size` bytes. With a deadline, waits with poll and returns
/// an error naming the timeout; without, blocks (the server's threads are
/// woken by shutdown(2) instead).
llvm::Error readExactly(int fd, char *out, size_t size,
                        std::optional<Clock::time_point> deadline) {
  while (size > 0) {
    if (deadline) {
      auto left =
          std::chrono::duration_cast<milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0)
        return llvm::createStringError("timed out");
      pollfd pfd{fd, POLLIN, 0};
      int ready = ::poll(
          &pfd, 1,
          static_cast<int>(std::min<int64_t>(left.count() + 1, INT_MAX)));
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready < 0)
        return llvm::createStringError("poll: " + errnoText(errno));
      if (ready == 0)
        continue;
    }
    ssize_t n = ::recv(fd, out, size, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return llvm::createStringError(errnoText(errno));
    if (n == 0)
      return llvm::createStringError("connection closed");
    out += n;
    size -= static_cast<size_t>(n);
  }
  return llvm::Error::success();
}

llvm::Expected<std::string>
readMessage(int fd, std::optional<Clock::time_point> deadline) {
  char header[4];
  if (llvm::Error err = readExactly(fd, header, 4, deadline))
    return std::move(err);
  uint32_t size = llvm::support::endian::read32le(header);
  if (size > kMaxMessageBytes)
    return llvm::createStringError(
        llvm::formatv("message of {0} bytes is too large", size).str());
  std::string body(size, '\0');
  if (llvm::Error err = readExactly(fd, body.data(), size, deadline))
    return std::move(err);
  return body;
}

/// Resolves `host:port` for a TCP socket.
llvm::Expected<std::unique_ptr<addrinfo, void (*)(addrinfo *)>>
resolve(llvm::StringRef host, int port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo *result = nullptr;
  std::string portText = std::to_string(port);
  int rc = ::getaddrinfo(host.str().c_str(), portText.c_str(), &hints, &result);
  if (rc != 0)
    return llvm::createStringError(
        llvm::formatv("cannot resolve '{0}': {1}", host, ::gai_strerror(rc))
            .str());
  return std::unique_ptr<addrinfo, void (*)(addrinfo *)>(result,
                                                         ::freeaddrinfo);
}

} // namespace

//===----------------------------------------------------------------------===//
// StoreServer
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<StoreServer>>
StoreServer::start(llvm::StringRef host, int port) {
  auto where = [&] { return llvm::formatv("{0}:{1}", host, port).str(); };
  auto addresses = resolve(host, port, /*passive=*/true);
  if (!addresses)
    return addresses.takeError();

  std::unique_ptr<StoreServer> server(new StoreServer());
  std::string lastError = "no address";
  for (addrinfo *ai = addresses->get(); ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                      ai->ai_protocol);
    if (fd < 0) {
      lastError = "socket: " + errnoText(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        ::listen(fd, SOMAXCONN) != 0) {
      lastError = errnoText(errno);
      ::close(fd);
      continue;
    }
    server->listenFd = fd;
    break;
  }
  if (server->listenFd < 0)
    return llvm::createStringError(
        llvm::formatv("cannot serve the rendezvous store on {0}: {1}", where(),
                      lastError)
            .str());

  sockaddr_storage bound{};
  socklen_t boundSize = sizeof(bound);
  ::getsockname(server->listenFd, reinterpret_cast<sockaddr *>(&bound),
                &boundSize);
  server->listenPort =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<sockaddr_in *>(&bound)->sin_port);

  if (::pipe2(server->wakeFds, O_CLOEXEC) != 0) {
    ::close(server->listenFd);
    return llvm::createStringError("pipe: " + errnoText(errno));
  }
  server->acceptThread = std::thread([s = server.get()] { s->acceptLoop(); });
  return server;
}

StoreServer::~StoreServer() {
  {
    std::unique_lock<std::mutex> lock(mutex);
    stopping = true;
    changed.notify_all();
    // Requests still waiting are answered ("stopping", with the keys still
    // missing) before the connections go, so that every rank can tell which
    // ranks never arrived.
    idle.wait_for(lock, std::chrono::seconds(1), [&] { return busy == 0; });
    // Wakes the client threads blocked in recv(2).
    for (int fd : clientFds)
      ::shutdown(fd, SHUT_RDWR);
  }
  char byte = 0;
  (void)!::write(wakeFds[1], &byte, 1);
  if (acceptThread.joinable())
    acceptThread.join();
  // No thread is added after the accept loop ended.
  for (std::thread &thread : clientThreads)
    thread.join();
  for (int fd : clientFds)
    ::close(fd);
  for (int fd : {listenFd, wakeFds[0], wakeFds[1]})
    if (fd >= 0)
      ::close(fd);
}

void StoreServer::acceptLoop() {
  while (true) {
    pollfd fds[2] = {{listenFd, POLLIN, 0}, {wakeFds[0], POLLIN, 0}};
    int ready = ::poll(fds, 2, -1);
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0 || fds[1].revents)
      return;
    int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0)
      continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) {
      ::close(fd);
      return;
    }
    clientFds.push_back(fd);
    clientThreads.emplace_back([this, fd] { serve(fd); });
  }
}

void StoreServer::serve(int fd) {
  while (true) {
    auto request = readMessage(fd, std::nullopt);
    if (!request) {
      llvm::consumeError(request.takeError());
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++busy;
    }
    std::optional<std::string> reply = handle(*request);
    bool sent = reply && writeAll(fd, frame(*reply));
    {
      std::lock_guard<std::mutex> lock(mutex);
      --busy;
    }
    idle.notify_all();
    if (!sent)
      return;
  }
}

std::optional<std::string> StoreServer::handle(llvm::StringRef request) {
  Reader in{request};
  uint8_t op = in.u8();
  std::string reply;
  std::unique_lock<std::mutex> lock(mutex);
  switch (op) {
  case OpSet: {
    llvm::StringRef key = in.string();
    llvm::StringRef value = in.string();
    if (in.failed)
      return std::nullopt;
    data[key] = std::vector<char>(value.begin(), value.end());
    changed.notify_all();
    reply.push_back(StatusOk);
    return reply;
  }
  case OpGet: {
    auto deadline = Clock::now() + milliseconds(in.u64());
    llvm::StringRef key = in.string();
    if (in.failed)
      return std::nullopt;
    bool found = changed.wait_until(
        lock, deadline, [&] { return stopping || data.count(key); });
    auto it = data.find(key);
    if (it == data.end()) {
      reply.push_back(found ? StatusStopping : StatusTimeout);
      return reply;
    }
    reply.push_back(StatusOk);
    reply.append(it->second.begin(), it->second.end());
    return reply;
  }
  case OpWait: {
    auto deadline = Clock::now() + milliseconds(in.u64());
    uint32_t count = in.u32();
    std::vector<llvm::StringRef> keys;
    for (uint32_t i = 0; i < count && !in.failed; ++i)
      keys.push_back(in.string());
    if (in.failed)
      return std::nullopt;
    auto missing = [&] {
      std::vector<llvm::StringRef> result;
      for (llvm::StringRef key : keys)
        if (!data.count(key))
          result.push_back(key);
      return result;
    };
    changed.wait_until(lock, deadline,
                       [&] { return stopping || missing().empty(); });
    std::vector<llvm::StringRef> left = missing();
    reply.push_back(left.empty() ? StatusOk
                    : stopping   ? StatusStopping
                                 : StatusTimeout);
    appendU32(reply, static_cast<uint32_t>(left.size()));
    for (llvm::StringRef key : left)
      appendString(reply, key);
    return reply;
  }
  default:
    return std::nullopt;
  }
}

//===----------------------------------------------------------------------===//
// StoreClient
//===----------------------------------------------------------------------===//

/// Replies to waits come back at the server's deadline; this much more is
/// allowed for the network before the client gives up on the server.
static constexpr milliseconds kReplyGrace{5000};

llvm::Expected<std::unique_ptr<StoreClient>>
StoreClient::connect(llvm::StringRef host, int port, milliseconds timeout) {
  std::unique_ptr<StoreClient> client(new StoreClient());
  client->serverAddress = llvm::formatv("{0}:{1}", host, port).str();
  auto deadline = Clock::now() + timeout;
  std::string lastError = "timed out";
  while (true) {
    auto addresses = resolve(host, port, /*passive=*/false);
    if (!addresses)
      return addresses.takeError();
    for (addrinfo *ai = addresses->get(); ai; ai = ai->ai_next) {
      int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                        ai->ai_protocol);
      if (fd < 0) {
        lastError = "socket: " + errnoText(errno);
        continue;
      }
      // Non-blocking connect, so that an unroutable host cannot outlast the
      // deadline.
      int flags = ::fcntl(fd, F_GETFL, 0);
      ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
      int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        auto left =
            std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        pollfd pfd{fd, POLLOUT, 0};
        int ready = ::poll(
            &pfd, 1,
            static_cast<int>(std::clamp<int64_t>(left.count(), 1, INT_MAX)));
        int err = ETIMEDOUT;
        socklen_t errSize = sizeof(err);
        if (ready > 0)
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errSize);
        rc = err == 0 ? 0 : -1;
        errno = err;
      }
      if (rc != 0) {
        lastError = errnoText(errno);
        ::close(fd);
        continue;
      }
      ::fcntl(fd, F_SETFL, flags);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      client->fd = fd;
      return client;
    }
    if (Clock::now() >= deadline)
      break;
    // The server may not be listening yet: rank 0 can start last.
    std::this_thread::sleep_for(milliseconds(50));
  }
  return llvm::createStringError(
      llvm::formatv("cannot reach the rendezvous store at {0} (served by "
                    "rank 0) within {1} ms: {2}",
                    client->serverAddress, timeout.count(), lastError)
          .str());
}

StoreClient::~StoreClient() {
  if (fd >= 0)
    ::close(fd);
}

llvm::Expected<std::string> StoreClient::roundTrip(const std::string &request,
                                                   milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mutex);
  auto lost = [&](llvm::StringRef why) {
    return llvm::createStringError(
        llvm::formatv("lost the rendezvous store at {0} (served by rank 0): "
                      "{1}",
                      serverAddress, why)
            .str());
  };
  if (fd < 0)
    return lost("an earlier request failed");
  auto fail = [&](llvm::StringRef why) {
    // A half-read reply would desynchronise the stream: drop the connection.
    ::close(fd);
    fd = -1;
    return lost(why);
  };
  if (!writeAll(fd, frame(request)))
    return fail(errnoText(errno));
  auto reply = readMessage(fd, Clock::now() + timeout + kReplyGrace);
  if (!reply)
    return fail(llvm::toString(reply.takeError()));
  if (reply->empty())
    return fail("empty reply");
  return reply;
}

llvm::Error StoreClient::set(llvm::StringRef key, llvm::ArrayRef<char> value) {
  std::string request(1, static_cast<char>(OpSet));
  appendString(request, key);
  appendString(request, llvm::StringRef(value.data(), value.size()));
  auto reply = roundTrip(request, milliseconds(0));
  if (!reply)
    return reply.takeError();
  return llvm::Error::success();
}

llvm::Expected<std::vector<char>> StoreClient::get(llvm::StringRef key,
                                                   milliseconds timeout) {
  std::string request(1, static_cast<char>(OpGet));
  appendU64(request,
            static_cast<uint64_t>(std::max<int64_t>(0, timeout.count())));
  appendString(request, key);
  auto reply = roundTrip(request, timeout);
  if (!reply)
    return reply.takeError();
  uint8_t status = (*reply)[0];
  if (status == StatusTimeout)
    return llvm::createStringError(
        llvm::formatv("timed out after {0} ms waiting for key '{1}' in the "
                      "rendezvous store",
                      timeout.count(), key)
            .str());
  if (status == StatusStopping)
    return llvm::createStringError(
        "the rendezvous store shut down (rank 0 left) while waiting for key '" +
        key.str() + "'");
  return std::vector<char>(reply->begin() + 1, reply->end());
}

llvm::Expected<std::vector<std::string>>
StoreClient::wait(llvm::ArrayRef<std::string> keys, milliseconds timeout) {
  std::string request(1, static_cast<char>(OpWait));
  appendU64(request,
            static_cast<uint64_t>(std::max<int64_t>(0, timeout.count())));
  appendU32(request, static_cast<uint32_t>(keys.size()));
  for (const std::string &key : keys)
    appendString(request, key);
  auto reply = roundTrip(request, timeout);
  if (!reply)
    return reply.takeError();
  Reader in{llvm::StringRef(*reply).drop_front(1)};
  uint32_t count = in.u32();
  std::vector<std::string> missing;
  for (uint32_t i = 0; i < count && !in.failed; ++i)
    missing.push_back(in.string().str());
  if (in.failed)
    return llvm::createStringError("malformed reply from the rendezvous store");
  return missing;
}
