//===- TestHooks.cpp - failures ds-run injects for tests ------------------===//

#include "TestHooks.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <csignal>
#include <cstdlib>
#include <tuple>

std::optional<int64_t> dsc::rt::envInt(const char *name) {
  const char *text = std::getenv(name);
  int64_t value;
  if (!text || llvm::StringRef(text).trim().getAsInteger(10, value))
    return std::nullopt;
  return value;
}

void dsc::rt::killHook(int rank, unsigned step) {
  for (auto [variable, sig, what] :
       {std::tuple{"DSC_TEST_KILL_RANK", SIGKILL, "kills"},
        std::tuple{"DSC_TEST_STOP_RANK", SIGSTOP, "stops"}}) {
    std::optional<int64_t> hookRank = envInt(variable);
    std::optional<int64_t> hookStep = envInt("DSC_TEST_KILL_STEP");
    if (hookRank && hookStep && *hookRank == rank && *hookStep == step) {
      llvm::errs() << "ds-run: " << variable << ": rank " << rank << " " << what
                   << " itself before step " << step << "\n";
      llvm::errs().flush();
      std::raise(sig);
    }
  }
}

llvm::Error dsc::rt::failInputHook(int rank) {
  std::optional<int64_t> failRank = envInt("DSC_TEST_FAIL_INPUT_RANK");
  if (failRank && *failRank == rank)
    return llvm::createStringError(
        "cannot load the inputs: failure injected by "
        "DSC_TEST_FAIL_INPUT_RANK=" +
        llvm::Twine(rank));
  return llvm::Error::success();
}
