//===- TcpStore.h - the rendezvous key-value store over TCP -----*- C++ -*-===//
//
// The ranks of a world exchange their connection details (Gloo's pair
// addresses, NCCL's unique id) through PyTorch's c10d TCPStore, the store
// torchrun's agent serves: either rank 0 serves it, or (under torchrun with
// TORCHELASTIC_USE_AGENT_STORE) the launcher already does and every rank is
// a client. LibTorch stays behind this header; errors come back as
// llvm::Error and every request has a deadline.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_COMM_TCPSTORE_H
#define DSC_LIB_RUNTIME_COMM_TCPSTORE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dsc::rt::comm {

struct StoreHandle;

/// The store's server, serving on every interface until destroyed.
class StoreServer {
public:
  /// Serves on `port` (0: any free port).
  static llvm::Expected<std::unique_ptr<StoreServer>> start(int port);
  ~StoreServer();

  /// Returns the port it serves on.
  int port() const;

private:
  StoreServer() = default;
  std::unique_ptr<StoreHandle> store;
};

/// A connection to the store. Requests from several threads are serialised.
/// Keys live under the prefix "dsc/<run id>/", apart from a launcher's own.
class StoreClient {
public:
  /// Connects to `host:port`, retrying until `timeout` while the server is
  /// not up yet; errors name `server` ("rank 0", "the launcher").
  static llvm::Expected<std::unique_ptr<StoreClient>>
  connect(llvm::StringRef host, int port, std::chrono::milliseconds timeout,
          llvm::StringRef server, llvm::StringRef runId = "");
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

  std::unique_ptr<StoreHandle> store;
  std::string serverAddress;
  /// "dsc/<run id>/": what every key of this client starts with.
  std::string prefix;
  std::mutex mutex;
  std::string prefixed(llvm::StringRef key) const { return prefix + key.str(); }
};

} // namespace dsc::rt::comm

#endif // DSC_LIB_RUNTIME_COMM_TCPSTORE_H
