//===- Launcher.h - start the ranks of a run on this machine ----*- C++ -*-===//
//
// `ds-run -n N` starts N child processes that re-execute ds-run, each told
// its rank through torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT). The parent forwards the
// children's stderr with a `[rank r] ` prefix per line and watches them: the
// first rank that fails takes the others down, so a run never hangs on a dead
// peer and no process outlives it.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_LAUNCHER_H
#define DSC_RUNTIME_LAUNCHER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <string>
#include <vector>

namespace dsc::rt {

/// How to start the local ranks.
struct LaunchOptions {
  /// The number of ranks (child processes), at least 1.
  int numRanks = 1;
  /// The program the children execute (ds-run: /proc/self/exe).
  std::string program;
  /// The children's arguments, argv[0] included.
  std::vector<std::string> args;
  /// Where rank 0 serves the rendezvous store; the port is picked free.
  std::string masterAddr = "127.0.0.1";
  /// Once one rank has failed, how long the others get to notice and exit
  /// on their own (printing which peer they lost) before they get SIGTERM.
  /// Ranks that notice exit at once; this bounds the wait on a loaded
  /// machine (1 s proved too short on a busy 2-core CI runner).
  std::chrono::milliseconds settle{3000};
  /// How long the remaining children get between SIGTERM and SIGKILL.
  std::chrono::milliseconds grace{2000};
  /// How long a rank may stay stopped (SIGSTOP, SIGTSTP, ...) before the
  /// run ends naming it: it cannot answer the others, who would each time
  /// out and blame the peer they waited for.
  std::chrono::milliseconds stopLimit{30000};
  /// Where the prefixed stderr lines and the launcher's own errors go.
  llvm::raw_ostream *errs = nullptr;
  /// Prefix of the launcher's own error lines ("ds-run: error: ").
  std::string errorPrefix = "error: ";
};

/// Starts the ranks and waits for all of them. Returns 0 when every rank
/// exits with status 0. When one exits otherwise or dies by a signal, the
/// others get SIGTERM after the settle period (then SIGKILL after the grace
/// period), the launcher
/// prints "<errorPrefix>rank r exited with code c" or "... was killed by
/// signal s" for the first rank that failed, and returns 1. Children die
/// with the launcher (PR_SET_PDEATHSIG).
int launchLocalRanks(const LaunchOptions &options);

/// Returns a TCP port on `address` that was free a moment ago.
llvm::Expected<int> pickFreePort(llvm::StringRef address = "127.0.0.1");

/// Returns `args` without every occurrence of the option `name` and its
/// value, in the spellings llvm::cl accepts: `-name V`, `--name V`,
/// `-name=V`, `--name=V`. Arguments after `--` are kept as they are.
std::vector<std::string> removeOption(llvm::ArrayRef<std::string> args,
                                      llvm::StringRef name);

} // namespace dsc::rt

#endif // DSC_RUNTIME_LAUNCHER_H
