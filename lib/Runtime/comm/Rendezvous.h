//===- Rendezvous.h - how ranks find each other -----------------*- C++ -*-===//
//
// The part of connecting a world that does not depend on the backend: rank 0
// serves the store, every rank connects to it, and arrival checks tell how
// many ranks are missing when a rendezvous times out.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_LIB_RUNTIME_COMM_RENDEZVOUS_H
#define DSC_LIB_RUNTIME_COMM_RENDEZVOUS_H

#include "TcpStore.h"

#include "dsc/Runtime/Comm.h"

namespace dsc::rt::comm {

/// The store of one world, and the server of it on rank 0.
class Rendezvous {
public:
  /// Starts the server on rank 0, connects to it, and waits until every rank
  /// of the world has arrived.
  static llvm::Expected<std::unique_ptr<Rendezvous>>
  connect(const WorldOptions &options);

  StoreClient &store() { return *client; }
  std::chrono::milliseconds timeout() const { return options.timeout; }
  int rank() const { return options.rank; }

  /// Registers this rank under `scope` and waits for all of `ranks` (world
  /// ranks) to register. On timeout, the error says which ranks did not
  /// arrive; `what` names the group in that message.
  llvm::Error arrive(llvm::StringRef scope, llvm::ArrayRef<int> ranks,
                     llvm::StringRef what);

private:
  explicit Rendezvous(const WorldOptions &options) : options(options) {}

  WorldOptions options;
  // Declared before the client so that the client disconnects first.
  std::unique_ptr<StoreServer> server;
  std::unique_ptr<StoreClient> client;
};

/// Returns the local address that the backend's sockets bind to:
/// `bindAddress` when set, loopback when `masterAddr` is a loopback address,
/// and else the local address of the interface that routes to `masterAddr`.
llvm::Expected<std::string> localBindAddress(const WorldOptions &options);

/// Formats world ranks as "[0, 2, 3]".
std::string formatRanks(llvm::ArrayRef<int> ranks);

} // namespace dsc::rt::comm

#endif // DSC_LIB_RUNTIME_COMM_RENDEZVOUS_H
