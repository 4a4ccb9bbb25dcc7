//===- Comm.h - collectives between the ranks of a run ----------*- C++ -*-===//
//
// The runtime's collectives layer: a `Communicator` is one group of ranks
// that run collectives together, on Gloo (CPU buffers, TCP) or NCCL (CUDA
// device buffers). `connectWorld` joins all ranks of a run through a small
// TCP key-value store hosted by rank 0, and `World::group` builds the
// communicators of the mesh axes that compiled plans name.
//
// Every call that can fail returns `llvm::Error`: a dead peer, a timeout or a
// rendezvous where a rank never arrives surfaces as an error that names the
// operation and, where it can be known, the lost rank. Nothing here blocks
// longer than `WorldOptions::timeout` waiting for a peer.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_COMM_H
#define DSC_RUNTIME_COMM_H

#include "dsc/Runtime/DType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace dsc::rt {

/// How `allReduce` and `reduceScatter` combine the contributions of the ranks.
enum class ReduceOp {
  /// Elementwise sum. F16 and BF16 are summed in float and rounded once.
  Sum,
  /// `Sum` divided by the group size (integer division for integer types).
  Mean,
  /// Elementwise maximum (logical or for `Bool`).
  Max,
};

/// Returns "sum", "mean" or "max".
llvm::StringRef reduceOpName(ReduceOp op);

/// One group of ranks that run collectives together.
///
/// All members must issue the same collectives in the same order with
/// matching arguments. Buffers are host memory for the Gloo backend and
/// device memory (of the rank's `localRank` GPU) for NCCL; collectives are
/// synchronous: the result is in place when the call returns.
///
/// After a collective fails (a peer died, a timeout), the communicator is
/// left in an unknown state: later calls return an error that repeats the
/// first failure.
class Communicator {
public:
  virtual ~Communicator();

  Communicator(const Communicator &) = delete;
  Communicator &operator=(const Communicator &) = delete;

  /// Returns this rank's index within the group.
  int rank() const { return groupRank; }
  /// Returns the number of ranks in the group.
  int size() const { return static_cast<int>(memberRanks.size()); }
  /// Returns the world ranks of the members, in group-rank order.
  llvm::ArrayRef<int> worldRanks() const { return memberRanks; }
  /// Returns "gloo" or "nccl".
  virtual llvm::StringRef backendName() const = 0;

  /// Reduces `count` elements of `data` over the group, in place.
  llvm::Error allReduce(void *data, size_t count, DType dtype, ReduceOp op);

  /// Gathers `countPerRank` elements from every rank into `out`, which holds
  /// `countPerRank * size()` elements: the concatenation in group-rank order.
  llvm::Error allGather(const void *in, void *out, size_t countPerRank,
                        DType dtype);

  /// Reduces `in` (`countPerRank * size()` elements) over the group; group
  /// rank `j` receives the `j`-th chunk of `countPerRank` elements in `out`.
  llvm::Error reduceScatter(const void *in, void *out, size_t countPerRank,
                            DType dtype, ReduceOp op);

  /// Sends `sendCounts[p]` elements to peer `p` and receives `recvCounts[p]`
  /// elements from it; both buffers hold their chunks contiguously in peer
  /// order. `sendCounts[rank()]` must equal `recvCounts[rank()]`.
  llvm::Error allToAll(const void *in, void *out,
                       llvm::ArrayRef<size_t> sendCounts,
                       llvm::ArrayRef<size_t> recvCounts, DType dtype);

  /// Copies `count` elements of `data` on group rank `root` to all ranks.
  llvm::Error broadcast(void *data, size_t count, DType dtype, int root);

  /// Returns once every rank of the group has entered the barrier.
  llvm::Error barrier();

protected:
  Communicator(int groupRank, std::vector<int> memberRanks);

  // The backend's collectives, called with validated arguments and nonzero
  // element counts, one at a time. Errors need not name the operation.
  virtual llvm::Error doAllReduce(void *data, size_t count, DType dtype,
                                  ReduceOp op) = 0;
  virtual llvm::Error doAllGather(const void *in, void *out,
                                  size_t countPerRank, DType dtype) = 0;
  virtual llvm::Error doReduceScatter(const void *in, void *out,
                                      size_t countPerRank, DType dtype,
                                      ReduceOp op) = 0;
  virtual llvm::Error doAllToAll(const void *in, void *out,
                                 llvm::ArrayRef<size_t> sendCounts,
                                 llvm::ArrayRef<size_t> recvCounts,
                                 DType dtype) = 0;
  virtual llvm::Error doBroadcast(void *data, size_t count, DType dtype,
                                  int root) = 0;
  virtual llvm::Error doBarrier() = 0;

private:
  /// Runs `body` under the communicator's lock unless an earlier collective
  /// failed, and records a failure so that later calls report it.
  llvm::Error run(llvm::StringRef opName,
                  llvm::function_ref<llvm::Error()> body);
  /// Prefixes `message` with the operation, the rank and the group.
  std::string describe(llvm::StringRef opName, llvm::StringRef message) const;

  int groupRank;
  std::vector<int> memberRanks;
  std::mutex mutex;
  std::optional<std::string> firstFailure;
};

/// How this process joins the ranks of a run.
struct WorldOptions {
  /// This process's rank in [0, worldSize).
  int rank = 0;
  /// The number of ranks.
  int worldSize = 1;
  /// The host of rank 0, which serves the rendezvous store.
  std::string masterAddr = "127.0.0.1";
  /// The TCP port of the rendezvous store on `masterAddr`.
  int masterPort = 29500;
  /// How long rendezvous and every collective wait for peers.
  std::chrono::milliseconds timeout{60000};
  /// "gloo" (CPU buffers) or "nccl" (CUDA buffers; needs DSC_ENABLE_CUDA).
  std::string backend = "gloo";
  /// This rank's index on its node: NCCL uses GPU `localRank`.
  int localRank = 0;
  /// The local address that Gloo's sockets bind to (the store serves on all).
  /// Empty means loopback when `masterAddr` is a loopback address, and else
  /// the local address that routes to `masterAddr`.
  std::string bindAddress;
  /// Whether the launcher already serves the store at `masterAddr`:
  /// torchrun's agent does (TORCHELASTIC_USE_AGENT_STORE=True), and then
  /// rank 0 is a client like every other rank.
  bool launcherServesStore = false;
  /// Names this run in the rendezvous store (DSC_RUN_ID, which ds-run -n
  /// sets to a random value, or torchrun's TORCHELASTIC_RUN_ID): the ranks
  /// of two runs that met on one port never read each other's keys, they
  /// time out naming the ranks that did not arrive.
  std::string runId;
};

/// All ranks of a run, connected: the world communicator and its subgroups.
class World {
public:
  virtual ~World();

  World(const World &) = delete;
  World &operator=(const World &) = delete;

  /// Returns this process's rank in the world.
  int rank() const { return options.rank; }
  /// Returns the number of ranks in the world.
  int size() const { return options.worldSize; }
  /// Returns the options this world was connected with.
  const WorldOptions &getOptions() const { return options; }

  /// Returns the communicator of all ranks, in rank order.
  virtual Communicator &world() = 0;

  /// Returns the communicator of `ranks` (world ranks, in group-rank order,
  /// which must include this rank). The first call for a list creates the
  /// communicator collectively: every member calls `group` with the same
  /// list, and members create their groups in the same order. Later calls
  /// return the same communicator.
  llvm::Expected<Communicator &> group(llvm::ArrayRef<int> ranks);

protected:
  explicit World(WorldOptions options);

  /// Creates the communicator of `ranks` (validated; this rank is
  /// `groupRank` in it); `key` names the group uniquely in the store.
  virtual llvm::Expected<std::unique_ptr<Communicator>>
  createGroup(llvm::StringRef key, llvm::ArrayRef<int> ranks,
              int groupRank) = 0;

  /// Destroys the group communicators; backends call it before they tear
  /// down what the groups use.
  void destroyGroups();

  WorldOptions options;

private:
  std::mutex groupsMutex;
  std::vector<std::pair<std::vector<int>, std::unique_ptr<Communicator>>>
      groups;
};

/// Connects this rank to all others: rank 0 serves the rendezvous store at
/// `masterAddr:masterPort`, every rank registers there and waits (up to the
/// timeout) for all others, then the backend connects the world communicator.
/// A rendezvous where ranks never arrive fails with a message that says how
/// many did not.
llvm::Expected<std::unique_ptr<World>>
connectWorld(const WorldOptions &options);

/// Returns the ranks of a `meshShape` mesh (row-major rank numbering of mesh
/// coordinates) that differ from `rank` only along `axes`, in increasing
/// order: the group of `rank` for a collective over those mesh axes. Returns
/// an empty list when `rank` or an axis is out of range or an axis repeats.
std::vector<int> meshGroup(llvm::ArrayRef<int64_t> meshShape,
                           llvm::ArrayRef<int> axes, int rank);

/// Reads `WorldOptions` from the launcher's environment: torchrun's RANK,
/// WORLD_SIZE, LOCAL_RANK; mpirun's OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK;
/// or srun's SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; with MASTER_ADDR and
/// MASTER_PORT (required when there is more than one rank). DSC_COMM_TIMEOUT_MS
/// overrides the timeout, DSC_COMM_BACKEND the backend and
/// DSC_COMM_BIND_ADDRESS the bind address.
llvm::Expected<WorldOptions> worldOptionsFromEnvironment();

/// As above, reading variables through `getEnv` (std::nullopt when unset).
llvm::Expected<WorldOptions> worldOptionsFromEnvironment(
    llvm::function_ref<std::optional<std::string>(llvm::StringRef)> getEnv);

} // namespace dsc::rt

#endif // DSC_RUNTIME_COMM_H
