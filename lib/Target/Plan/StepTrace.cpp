//===- StepTrace.cpp - the planned schedule as a Perfetto trace -----------===//
//
// Chrome's trace event format (JSON), which ui.perfetto.dev and
// chrome://tracing open: complete events ("ph": "X") for the instructions,
// in plan order and back to back (the CPU runtime runs them in order; the
// GPU runtime will overlap the communication track), and counter events
// ("ph": "C") for the memory live at each instruction: what is allocated
// once outside the arena plus the arena bytes live (PlanMemory.h), so that
// its maximum is the report's peak_bytes.
//
//===----------------------------------------------------------------------===//

#include "dsc/Target/StepReport.h"

#include "dsc/Runtime/PlanMemory.h"

using namespace mlir;
using namespace llvm;

namespace {

constexpr int64_t kComputeTrack = 1;
constexpr int64_t kCommunicationTrack = 2;

json::Object threadName(int64_t track, StringRef name) {
  return json::Object{{"ph", "M"},
                      {"name", "thread_name"},
                      {"pid", 0},
                      {"tid", track},
                      {"args", json::Object{{"name", name}}}};
}

} // namespace

FailureOr<json::Value> dsc::traceStep(ModuleOp module, const rt::Plan &plan,
                                      const Hardware &hardware) {
  FailureOr<SmallVector<dsrt::KernelOp>> kernels = stepKernels(module, plan);
  if (failed(kernels))
    return failure();
  std::vector<InstructionTime> times = estimateTimes(plan, *kernels, hardware);
  rt::MemoryProfile memory = rt::profileMemory(plan, hardware.kernelThreads);

  json::Array events;
  events.push_back(json::Object{
      {"ph", "M"},
      {"name", "process_name"},
      {"pid", 0},
      {"args", json::Object{{"name", "rank 0 on " + hardware.name}}}});
  events.push_back(threadName(kComputeTrack, "kernels"));
  events.push_back(threadName(kCommunicationTrack, "collectives"));
  // Microseconds, the format's unit.
  double now = 0;
  uint64_t persistent = 0;
  for (uint64_t bytes : memory.persistent)
    persistent += bytes;
  auto counter = [&](double at, uint64_t arenaBytes) {
    events.push_back(json::Object{
        {"ph", "C"},
        {"name", "memory"},
        {"pid", 0},
        {"ts", at},
        {"args", json::Object{{"live bytes", static_cast<int64_t>(
                                                 persistent + arenaBytes)}}}});
  };
  counter(0, 0);
  for (auto [index, time] : llvm::enumerate(times)) {
    dsrt::KernelOp kernel = (*kernels)[index];
    const rt::Instruction &instruction = plan.instructions[index];
    double duration = time.seconds * 1e6;
    std::optional<dsrt::Phase> phase = kernel.getPhase();
    json::Object args{
        {"instruction", static_cast<int64_t>(index)},
        {"phase", phase ? dsrt::stringifyPhase(*phase).str() : "unknown"},
        {"source", sourceLine(kernel.getLoc())},
        {"bound", time.collective     ? "link"
                  : time.computeBound ? "compute"
                                      : "memory"}};
    if (FloatAttr flops = kernel.getFlopsAttr())
      args["flops"] = flops.getValueAsDouble();
    if (FloatAttr bytes = kernel.getBytesAttr())
      args["bytes"] = bytes.getValueAsDouble();
    if (kernel.getMatrixUnits())
      args["matrix_units"] = true;
    if (kernel.getRecompute())
      args["recompute"] = true;
    events.push_back(json::Object{
        {"ph", "X"},
        {"name", instruction.kernel},
        {"cat", kernel.getRecompute() ? "recompute" : "step"},
        {"pid", 0},
        {"tid", time.collective ? kCommunicationTrack : kComputeTrack},
        {"ts", now},
        {"dur", duration},
        {"args", std::move(args)}});
    counter(now, memory.liveArenaBytes[index]);
    now += duration;
  }
  counter(now, 0);
  return json::Value(json::Object{{"traceEvents", std::move(events)},
                                  {"displayTimeUnit", "ms"}});
}
