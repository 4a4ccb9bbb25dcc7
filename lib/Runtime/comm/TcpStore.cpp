//===- TcpStore.cpp - the rendezvous store: c10d's TCPStore ---------------===//

#include "TcpStore.h"

#include <c10/util/Logging.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>

using namespace dsc::rt::comm;
using std::chrono::milliseconds;

namespace dsc::rt::comm {
struct StoreHandle {
  c10::intrusive_ptr<c10d::TCPStore> store;
};
} // namespace dsc::rt::comm

namespace {

llvm::Error storeError(const llvm::Twine &what, const std::exception &e) {
  std::string message = e.what();
  if (const auto *error = dynamic_cast<const c10::Error *>(&e))
    message = error->what_without_backtrace();
  // c10d's messages can carry a backtrace after the first line.
  message = message.substr(0, message.find('\n'));
  return llvm::createStringError(what.str() + ": " + message);
}

/// c10d logs each poll that waits out its timeout as a warning; dsc reports
/// what failed itself, so only c10's errors remain on stderr.
void quietC10Logging() {
  static const bool once = [] {
    FLAGS_caffe2_log_level = std::max<int>(FLAGS_caffe2_log_level, 2);
    return true;
  }();
  (void)once;
}

} // namespace

llvm::Expected<std::unique_ptr<StoreServer>> StoreServer::start(int port) {
  quietC10Logging();
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.isServer = true;
  options.waitWorkers = false;
  std::unique_ptr<StoreServer> server(new StoreServer());
  try {
    server->store = std::make_unique<StoreHandle>(
        StoreHandle{c10::make_intrusive<c10d::TCPStore>("127.0.0.1", options)});
  } catch (const std::exception &e) {
    return storeError(
        "cannot serve the rendezvous store on port " + std::to_string(port), e);
  }
  return server;
}

StoreServer::~StoreServer() = default;

int StoreServer::port() const { return store->store->getPort(); }

llvm::Expected<std::unique_ptr<StoreClient>>
StoreClient::connect(llvm::StringRef host, int port, milliseconds timeout,
                     llvm::StringRef server, llvm::StringRef runId) {
  quietC10Logging();
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.isServer = false;
  options.waitWorkers = false;
  options.timeout = timeout;
  std::unique_ptr<StoreClient> client(new StoreClient());
  client->serverAddress = host.str() + ":" + std::to_string(port);
  client->prefix = "dsc/" + (runId.empty() ? std::string() : runId.str() + "/");
  try {
    client->store = std::make_unique<StoreHandle>(
        StoreHandle{c10::make_intrusive<c10d::TCPStore>(host.str(), options)});
  } catch (const std::exception &e) {
    return storeError("cannot reach the rendezvous store at " +
                          client->serverAddress + " (served by " + server + ")",
                      e);
  }
  return client;
}

StoreClient::~StoreClient() = default;

llvm::Error StoreClient::set(llvm::StringRef key, llvm::ArrayRef<char> value) {
  std::lock_guard<std::mutex> lock(mutex);
  try {
    store->store->set(prefixed(key),
                      std::vector<uint8_t>(value.begin(), value.end()));
  } catch (const std::exception &e) {
    return storeError(
        "rendezvous store " + serverAddress + ": set '" + key + "'", e);
  }
  return llvm::Error::success();
}

llvm::Expected<std::vector<char>> StoreClient::get(llvm::StringRef key,
                                                   milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mutex);
  try {
    // A zero timeout asks for what is there now.
    if (timeout.count() > 0)
      store->store->wait({prefixed(key)}, timeout);
    else if (!store->store->check({prefixed(key)}))
      return llvm::createStringError("rendezvous store " + serverAddress +
                                     ": '" + key + "' is not set");
    std::vector<uint8_t> value = store->store->get(prefixed(key));
    return std::vector<char>(value.begin(), value.end());
  } catch (const std::exception &e) {
    return storeError(
        "rendezvous store " + serverAddress + ": get '" + key + "'", e);
  }
}

llvm::Expected<std::vector<std::string>>
StoreClient::wait(llvm::ArrayRef<std::string> keys, milliseconds timeout) {
  std::lock_guard<std::mutex> lock(mutex);
  std::vector<std::string> full;
  for (const std::string &key : keys)
    full.push_back(prefixed(key));
  try {
    store->store->wait(full, timeout);
    return std::vector<std::string>{};
  } catch (const c10::DistStoreError &) {
    // The deadline passed (a lost connection is a DistNetworkError): tell
    // which keys are still unset.
  } catch (const std::exception &e) {
    return storeError("rendezvous store " + serverAddress + ": wait", e);
  }
  std::vector<std::string> missing;
  try {
    for (const std::string &key : keys)
      if (!store->store->check({prefixed(key)}))
        missing.push_back(key);
  } catch (const std::exception &e) {
    return storeError("rendezvous store " + serverAddress + ": check", e);
  }
  return missing;
}
