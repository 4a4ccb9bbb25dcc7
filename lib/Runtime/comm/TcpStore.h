//===- TcpStore.h - the rendezvous key-value store over TCP -----*- C++ -*-===//
//
// Rank 0 serves a small in-memory key-value store; every rank (rank 0
// included) talks to it through a client. Backends exchange their connection
// details through it (Gloo's pair addresses, NCCL's unique id). Waits happen
// on the server, so a client's request returns as soon as its keys are set,
// and every request has a deadline.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_COMM_TCPSTORE_H
#define DSC_LIB_RUNTIME_COMM_TCPSTORE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace dsc::rt::comm {

/// The store's server: one thread accepts connections, one thread per client
/// connection serves its requests. The destructor stops all of them, also
/// answering requests that are still waiting.
class StoreServer {
public:
  /// Listens on `host:port` (SO_REUSEADDR, so that a rerun right after a
  /// failed run can take the port again).
  static llvm::Expected<std::unique_ptr<StoreServer>>
  start(llvm::StringRef host, int port);
  ~StoreServer();

  /// Returns the port it listens on (useful when started on port 0).
  int port() const { return listenPort; }

private:
  StoreServer() = default;
  void acceptLoop();
  void serve(int fd);
  /// Handles one request; returns the reply, or std::nullopt to drop the
  /// connection.
  std::optional<std::string> handle(llvm::StringRef request);

  int listenFd = -1;
  int listenPort = 0;
  int wakeFds[2] = {-1, -1};
  std::thread acceptThread;

  std::mutex mutex;
  std::condition_variable changed;
  std::condition_variable idle;
  bool stopping = false;
  /// The number of requests being handled or answered.
  int busy = 0;
  llvm::StringMap<std::vector<char>> data;
  std::vector<int> clientFds;
  std::vector<std::thread> clientThreads;
};

/// A connection to the store. Requests from several threads are serialised.
class StoreClient {
public:
  /// Connects to `host:port`, retrying until `timeout` while the server is
  /// not up yet.
  static llvm::Expected<std::unique_ptr<StoreClient>>
  connect(llvm::StringRef host, int port, std::chrono::milliseconds timeout);
  ~StoreClient();

  /// Sets `key` to `value`, overwriting.
  llvm::Error set(llvm::StringRef key, llvm::ArrayRef<char> value);

  /// Returns the value of `key`, waiting up to `timeout` for it to be set.
  llvm::Expected<std::vector<char>> get(llvm::StringRef key,
                                        std::chrono::milliseconds timeout);

  /// Waits up to `timeout` for all `keys` to be set; returns those still
  /// unset at the deadline (empty when all were set).
  llvm::Expected<std::vector<std::string>>
  wait(llvm::ArrayRef<std::string> keys, std::chrono::milliseconds timeout);

  /// Returns "host:port".
  const std::string &address() const { return serverAddress; }

private:
  StoreClient() = default;
  /// Sends `request` and reads the reply, failing after `timeout`.
  llvm::Expected<std::string> roundTrip(const std::string &request,
                                        std::chrono::milliseconds timeout);

  int fd = -1;
  std::string serverAddress;
  std::mutex mutex;
};

} // namespace dsc::rt::comm

#endif // DSC_LIB_RUNTIME_COMM_TCPSTORE_H
