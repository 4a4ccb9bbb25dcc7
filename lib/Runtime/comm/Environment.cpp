//===- Environment.cpp - world options from the launcher's variables ------===//
//
// torchrun, mpirun (Open MPI) and srun (Slurm) each tell a process its rank
// in their own variables; the master address and port come from MASTER_ADDR
// and MASTER_PORT in all three cases, as with PyTorch.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Comm.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdint>
#include <cstdlib>

using namespace dsc::rt;

namespace {

/// The variables one launcher sets.
struct Convention {
  llvm::StringRef launcher;
  llvm::StringRef rank;
  llvm::StringRef size;
  llvm::StringRef localRank;
};

constexpr Convention kConventions[] = {
    {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK"},
    {"mpirun", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
     "OMPI_COMM_WORLD_LOCAL_RANK"},
    {"srun", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"},
};

} // namespace

llvm::Expected<WorldOptions> dsc::rt::worldOptionsFromEnvironment(
    llvm::function_ref<std::optional<std::string>(llvm::StringRef)> getEnv) {
  // Reads variable `name` as an integer in [min, max].
  auto readInt = [&](llvm::StringRef name, int64_t min,
                     int64_t max) -> llvm::Expected<std::optional<int64_t>> {
    std::optional<std::string> text = getEnv(name);
    if (!text)
      return std::nullopt;
    int64_t value;
    if (llvm::StringRef(*text).trim().getAsInteger(10, value) || value < min ||
        value > max)
      return llvm::createStringError(
          llvm::formatv("{0}='{1}' is not an integer in [{2}, {3}]", name,
                        *text, min, max)
              .str());
    return value;
  };

  const Convention *convention = nullptr;
  for (const Convention &c : kConventions)
    if (getEnv(c.rank) || getEnv(c.size)) {
      convention = &c;
      break;
    }
  if (!convention)
    return llvm::createStringError(
        "no launcher environment: set RANK and WORLD_SIZE (torchrun), or run "
        "under mpirun (OMPI_COMM_WORLD_RANK/SIZE) or srun "
        "(SLURM_PROCID/SLURM_NTASKS)");

  WorldOptions options;
  auto size = readInt(convention->size, 1, 1 << 24);
  if (!size)
    return size.takeError();
  if (!*size)
    return llvm::createStringError(
        llvm::formatv("{0} is set but {1} is not ({2})", convention->rank,
                      convention->size, convention->launcher)
            .str());
  options.worldSize = static_cast<int>(**size);

  auto rank = readInt(convention->rank, 0, options.worldSize - 1);
  if (!rank)
    return rank.takeError();
  if (!*rank)
    return llvm::createStringError(
        llvm::formatv("{0} is set but {1} is not ({2})", convention->size,
                      convention->rank, convention->launcher)
            .str());
  options.rank = static_cast<int>(**rank);

  auto localRank = readInt(convention->localRank, 0, 1 << 24);
  if (!localRank)
    return localRank.takeError();
  options.localRank = localRank->value_or(0);

  // One rank needs no rendezvous partner, so the defaults do; with more, a
  // silent loopback default would hang multi-node runs until the timeout.
  std::optional<std::string> addr = getEnv("MASTER_ADDR");
  if (addr && addr->empty())
    return llvm::createStringError("MASTER_ADDR is empty");
  if (addr)
    options.masterAddr = *addr;
  else if (options.worldSize > 1)
    return llvm::createStringError(
        llvm::formatv("MASTER_ADDR is not set: with {0} ranks ({1}), set it "
                      "to the host of rank 0",
                      options.worldSize, convention->launcher)
            .str());

  auto port = readInt("MASTER_PORT", 1, 65535);
  if (!port)
    return port.takeError();
  if (*port)
    options.masterPort = static_cast<int>(**port);
  else if (options.worldSize > 1)
    return llvm::createStringError(
        llvm::formatv("MASTER_PORT is not set: with {0} ranks ({1}), set it "
                      "to a free TCP port on the host of rank 0",
                      options.worldSize, convention->launcher)
            .str());

  auto timeout = readInt("DSC_COMM_TIMEOUT_MS", 1, INT32_MAX);
  if (!timeout)
    return timeout.takeError();
  if (*timeout)
    options.timeout = std::chrono::milliseconds(**timeout);

  if (std::optional<std::string> backend = getEnv("DSC_COMM_BACKEND")) {
    if (*backend != "gloo" && *backend != "nccl")
      return llvm::createStringError("DSC_COMM_BACKEND='" + *backend +
                                     "' is neither 'gloo' nor 'nccl'");
    options.backend = *backend;
  }
  if (std::optional<std::string> bind = getEnv("DSC_COMM_BIND_ADDRESS"))
    options.bindAddress = *bind;
  if (std::optional<std::string> id = getEnv("DSC_RUN_ID"))
    options.runId = *id;
  else if (std::optional<std::string> id = getEnv("TORCHELASTIC_RUN_ID"))
    options.runId = *id;
  if (std::optional<std::string> agent = getEnv("TORCHELASTIC_USE_AGENT_STORE"))
    options.launcherServesStore =
        *agent == "True" || *agent == "true" || *agent == "1";
  return options;
}

llvm::Expected<WorldOptions> dsc::rt::worldOptionsFromEnvironment() {
  return worldOptionsFromEnvironment(
      [](llvm::StringRef name) -> std::optional<std::string> {
        if (const char *value = std::getenv(name.str().c_str()))
          return std::string(value);
        return std::nullopt;
      });
}
