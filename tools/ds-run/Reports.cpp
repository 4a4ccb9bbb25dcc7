//===- Reports.cpp - what ds-run writes about a run -----------------------===//

#include "Reports.h"

#include "dsc/Runtime/AtomicFile.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Runtime/SwapStaging.h"
#include "dsc/Runtime/SwapTransfers.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>

using namespace dsc::rt;
using llvm::StringRef;

namespace {

/// What instruction `i` may allocate outside the arena: its workspace, and
/// while it runs on the main thread the most of what runs beside it
/// (`besideBytes`; the counter sees both).
uint64_t plannedOutsideArena(const Plan &plan, size_t i, unsigned threads,
                             uint64_t besideBytes) {
  return kernelWorkspaceBytes(plan, i, threads) +
         (plan.instructions[i].has("beside") ? 0 : besideBytes);
}

llvm::json::Object outsideArenaEntry(const Plan &plan, size_t i, uint64_t bytes,
                                     uint64_t planned) {
  return llvm::json::Object{{"instruction", static_cast<int64_t>(i)},
                            {"kernel", plan.instructions[i].kernel},
                            {"bytes", static_cast<int64_t>(bytes)},
                            {"planned_bytes", static_cast<int64_t>(planned)}};
}

/// The ten instructions that allocated most outside the arena.
llvm::json::Array largestOutsideArena(const Plan &plan,
                                      llvm::ArrayRef<uint64_t> bytes,
                                      unsigned threads, uint64_t besideBytes) {
  std::vector<size_t> order(bytes.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::stable_sort(order,
                    [&](size_t a, size_t b) { return bytes[a] > bytes[b]; });
  llvm::json::Array largest;
  for (size_t i : llvm::ArrayRef(order).take_front(10)) {
    if (!bytes[i])
      break;
    largest.push_back(outsideArenaEntry(
        plan, i, bytes[i], plannedOutsideArena(plan, i, threads, besideBytes)));
  }
  return largest;
}

/// Every instruction that allocated more outside the arena than planned.
llvm::json::Array overPlanned(const Plan &plan, llvm::ArrayRef<uint64_t> bytes,
                              unsigned threads, uint64_t besideBytes) {
  llvm::json::Array over;
  for (size_t i = 0; i < bytes.size(); ++i) {
    uint64_t planned = plannedOutsideArena(plan, i, threads, besideBytes);
    if (bytes[i] > planned)
      over.push_back(outsideArenaEntry(plan, i, bytes[i], planned));
  }
  return over;
}

} // namespace

llvm::Error dsc::rt::writeLossLine(OutputFile &log, unsigned step,
                                   double loss) {
  llvm::raw_ostream &os = log.os();
  {
    llvm::json::OStream json(os);
    json.object([&] {
      json.attribute("step", static_cast<int64_t>(step));
      json.attribute("loss", std::isfinite(loss) ? llvm::json::Value(loss)
                                                 : llvm::json::Value(nullptr));
    });
  }
  os << "\n";
  return log.flush();
}

llvm::Error dsc::rt::writeMemoryReport(StringRef path, const Executor &exec,
                                       unsigned threads) {
  Executor::MemoryUse used = exec.memoryUse();
  MemoryProfile planned = profileMemory(exec.plan(), threads);
  llvm::Expected<OutputFile> out = OutputFile::open(path);
  if (!out)
    return out.takeError();
  out->os() << llvm::formatv(
      "{0:2}\n",
      llvm::json::Value(llvm::json::Object{
          {"static_bytes", static_cast<int64_t>(used.staticBytes)},
          {"planned_static_bytes", static_cast<int64_t>(planned.staticBytes)},
          {"host_bytes", static_cast<int64_t>(used.hostBytes)},
          {"planned_host_bytes",
           static_cast<int64_t>(storedBytes(exec.plan(), Storage::Host))},
          {"staging_bytes", static_cast<int64_t>(used.stagingBytes)},
          {"planned_staging_bytes",
           static_cast<int64_t>(used.stagingBytes
                                    ? planSwapStaging(exec.plan()).totalBytes
                                    : 0)},
          {"peak_outside_arena_bytes",
           static_cast<int64_t>(used.peakOutsideArena)},
          {"peak_bytes",
           static_cast<int64_t>(used.staticBytes + used.peakOutsideArena)},
          {"planned_live_peak_bytes", static_cast<int64_t>(planned.peakBytes)},
          {"planned_workspace_bytes",
           static_cast<int64_t>(planned.peakWorkspaceBytes)},
          {"planned_beside_workspace_bytes",
           static_cast<int64_t>(planned.besideWorkspaceBytes)},
          {"planned_bytes", static_cast<int64_t>(planned.plannedBytes)},
          {"outside_arena_by_instruction",
           largestOutsideArena(exec.plan(), used.outsideArenaByInstruction,
                               threads, planned.besideWorkspaceBytes)},
          {"over_planned",
           overPlanned(exec.plan(), used.outsideArenaByInstruction, threads,
                       planned.besideWorkspaceBytes)}}));
  return out->commit();
}

llvm::Error dsc::rt::writeProfile(StringRef path, const Executor &exec) {
  const Executor::Timing &timing = exec.timing();
  double steps = std::max(timing.steps, 1u);
  llvm::json::Array instructions;
  double total = 0;
  llvm::ArrayRef<int64_t> waits = exec.collectiveWaits();
  int64_t async = 0;
  for (auto [index, seconds] : llvm::enumerate(timing.secondsByInstruction)) {
    llvm::json::Object entry{{"instruction", static_cast<int64_t>(index)},
                             {"kernel", exec.plan().instructions[index].kernel},
                             {"seconds", seconds / steps}};
    // With async collectives or updates: which ran beside the compute
    // (their seconds are the handing over), and which waited for one
    // first.
    if (exec.runsAsync(index))
      entry["async"] = true, ++async;
    if (index < waits.size() && waits[index] >= 0)
      entry["waits_for"] = waits[index];
    instructions.push_back(std::move(entry));
    total += seconds / steps;
  }
  llvm::json::Object profile{{"steps", static_cast<int64_t>(timing.steps)},
                             {"step_seconds", total},
                             {"instructions", std::move(instructions)}};
  if (!waits.empty())
    profile["beside"] = llvm::json::Object{
        {"instructions_per_step", async},
        {"waits_per_step", timing.collectiveWaits / steps},
        {"done_at_wait_per_step", timing.collectivesDoneAtWait / steps},
        {"wait_seconds", timing.collectiveWaitSeconds / steps}};
  if (const TransferStats *transfers = exec.transferStats())
    profile["swap"] = llvm::json::Object{
        {"transfers_per_step", static_cast<double>(transfers->waited) / steps},
        {"complete_at_wait_per_step",
         static_cast<double>(transfers->completeAtWait) / steps},
        {"wait_seconds", transfers->waitSeconds / steps}};
  llvm::Expected<OutputFile> out = OutputFile::open(path);
  if (!out)
    return out.takeError();
  out->os() << llvm::formatv("{0:2}\n", llvm::json::Value(std::move(profile)));
  return out->commit();
}

std::string dsc::rt::hardwareDescription(const Calibration &measured) {
  llvm::json::Object description{
      {"name", "cpu (calibrated)"},
      {"matmul_flops", measured.matmulFlops},
      {"vector_flops", measured.vectorFlops},
      {"memory_bandwidth", measured.memoryBandwidth},
      {"memory_bytes", measured.memoryBytes},
      {"link", llvm::json::Object{{"bandwidth", 1e9}, {"latency", 1e-4}}}};
  return llvm::formatv("{0:2}", llvm::json::Value(std::move(description)));
}
