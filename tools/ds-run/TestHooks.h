//===- TestHooks.h - failures ds-run injects for tests ----------*- C++ -*-===//
//
// Environment variables that make a rank fail on purpose, so that tests can
// check what the others do (--help lists them): DSC_TEST_KILL_RANK=r with
// DSC_TEST_KILL_STEP=k makes rank r kill itself (SIGKILL) before step k,
// DSC_TEST_STOP_RANK=r stop itself (SIGSTOP) there instead, and
// DSC_TEST_FAIL_INPUT_RANK=r makes rank r fail to load its inputs.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TOOLS_DS_RUN_TESTHOOKS_H
#define DSC_TOOLS_DS_RUN_TESTHOOKS_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>

namespace dsc::rt {

/// The integer value of environment variable `name`, if it is set to one.
std::optional<int64_t> envInt(const char *name);

/// Kills or stops this process if the variables ask it of `rank` before
/// `step` (from 1).
void killHook(int rank, unsigned step);

/// An error if DSC_TEST_FAIL_INPUT_RANK names `rank`.
llvm::Error failInputHook(int rank);

} // namespace dsc::rt

#endif // DSC_TOOLS_DS_RUN_TESTHOOKS_H
