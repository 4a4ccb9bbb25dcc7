//===- StepReport.cpp - what a compiled step costs, as JSON ---------------===//
//
// Collectives and phases come from the IR (dsrt.kernel `on @mesh`, its
// `phase`); sizes and counts from the plan emitted from it.
//
//===----------------------------------------------------------------------===//

#include "dsc/Target/StepReport.h"

#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"
#include "dsc/Runtime/Mesh.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Runtime/SwapStaging.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>

using namespace mlir;
using namespace llvm;

namespace {

/// What each group rank of an all-to-all with `real_sizes` sends and
/// receives (bytes of the real parts of its input's pieces and of its
/// result's chunks, its own one included); none for other collectives.
struct RankTraffic {
  std::vector<int64_t> sent, received;
};

std::optional<RankTraffic> trimmedTraffic(const dsc::rt::Plan &plan,
                                          const dsc::rt::Instruction &inst,
                                          const dsc::rt::TensorDesc &input) {
  std::vector<int64_t> sizes = inst.getInts("real_sizes");
  Expected<std::vector<int>> axes =
      dsc::rt::parseMeshAxes(plan, inst.getString("axes"));
  if (!axes) {
    consumeError(axes.takeError());
    return std::nullopt;
  }
  int64_t n = 1;
  for (int axis : *axes)
    n *= dsc::rt::meshShape(plan)[axis];
  if (sizes.empty() || n * n != static_cast<int64_t>(sizes.size()))
    return std::nullopt;
  int64_t realDim = inst.getInt("real_dim");
  int64_t extent =
      input.shape[realDim] / (realDim == inst.getInt("split_dim") ? n : 1);
  // Bytes of one entry along real_dim of one piece.
  int64_t unit = input.numBytes() / n / extent;
  RankTraffic traffic{std::vector<int64_t>(n, 0), std::vector<int64_t>(n, 0)};
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      traffic.sent[i] += sizes[i * n + j] * unit;
      traffic.received[j] += sizes[i * n + j] * unit;
    }
  return traffic;
}

/// What a collective moves over its busiest link: the bytes of its input,
/// or with unequal all-to-all splits the busiest rank's; none for a local
/// slice.
int64_t linkBytes(const dsc::rt::Plan &plan,
                  const dsc::rt::Instruction &instruction) {
  // A local slice takes this rank's piece of what it holds: nothing moves.
  if (instruction.kernel == "local_slice")
    return 0;
  const dsc::rt::TensorDesc &input = plan.tensors[instruction.operands[0]];
  if (std::optional<RankTraffic> traffic =
          trimmedTraffic(plan, instruction, input))
    return std::max(*llvm::max_element(traffic->sent),
                    *llvm::max_element(traffic->received));
  return input.numBytes();
}

/// A collective's entry: what it moves per step on every rank, the bytes
/// of its input (an all-to-all sends all but its own piece and receives as
/// much), or with unequal splits the busiest link's.
json::Object collectiveEntry(const dsc::rt::Plan &plan, size_t index,
                             dsrt::KernelOp kernel, int64_t &bytes) {
  const dsc::rt::Instruction &instruction = plan.instructions[index];
  const dsc::rt::TensorDesc &input = plan.tensors[instruction.operands[0]];
  std::optional<dsrt::Phase> phase = kernel.getPhase();
  json::Object entry{
      {"instruction", static_cast<int64_t>(index)},
      {"kernel", instruction.kernel},
      {"axes", instruction.getString("axes")},
      {"phase", phase ? dsrt::stringifyPhase(*phase).str() : "unknown"}};
  bytes = linkBytes(plan, instruction);
  if (std::optional<RankTraffic> traffic =
          trimmedTraffic(plan, instruction, input)) {
    entry["sent_bytes_per_group_rank"] = json::Array(traffic->sent);
    entry["received_bytes_per_group_rank"] = json::Array(traffic->received);
  }
  entry["bytes"] = bytes;
  return entry;
}

/// The memory a rank needs (PlanMemory.h): what is allocated once, the peak
/// of live bytes, what it holds and its largest tensors with the op that
/// wrote each and its source.
json::Object memoryEntry(const dsc::rt::Plan &plan,
                         ArrayRef<dsrt::KernelOp> kernels,
                         unsigned kernelThreads) {
  dsc::rt::MemoryProfile profile = dsc::rt::profileMemory(plan, kernelThreads);
  auto breakdown = [](const dsc::rt::MemoryBreakdown &bytes) {
    json::Object object;
    for (size_t kind = 0; kind < dsc::rt::kNumMemoryKinds; ++kind)
      object[dsc::rt::memoryKindName(static_cast<dsc::rt::MemoryKind>(kind))] =
          static_cast<int64_t>(bytes[kind]);
    return object;
  };
  std::vector<dsc::rt::MemoryKind> kinds = dsc::rt::memoryKinds(plan);
  json::Array top;
  for (auto [t, writtenAt] : ArrayRef(profile.liveAtPeak).take_front(10)) {
    const dsc::rt::TensorDesc &desc = plan.tensors[t];
    top.push_back(json::Object{
        {"tensor", static_cast<int64_t>(t)},
        {"name", desc.name},
        {"type", dsc::rt::formatType(desc)},
        {"bytes", static_cast<int64_t>(desc.numBytes())},
        {"kind", dsc::rt::memoryKindName(kinds[t])},
        {"written_by", static_cast<int64_t>(writtenAt)},
        {"kernel", plan.instructions[writtenAt].kernel},
        {"source", dsc::sourceLine(kernels[writtenAt]->getLoc())}});
  }
  size_t peak = profile.peakInstruction;
  json::Object result{
      {"static_bytes", static_cast<int64_t>(profile.staticBytes)},
      {"persistent_bytes", breakdown(profile.persistent)},
      {"peak_bytes", static_cast<int64_t>(profile.peakBytes)},
      {"peak_workspace_bytes",
       static_cast<int64_t>(profile.peakWorkspaceBytes)},
      {"planned_bytes", static_cast<int64_t>(profile.plannedBytes)},
      {"peak_breakdown", breakdown(profile.peakBreakdown)},
      {"top_live_tensors_at_peak", std::move(top)},
      {"live_arena_bytes",
       json::Array(llvm::map_range(profile.liveArenaBytes, [](uint64_t bytes) {
         return static_cast<int64_t>(bytes);
       }))}};
  if (!plan.instructions.empty()) {
    result["peak_instruction"] = static_cast<int64_t>(peak);
    result["peak_kernel"] = plan.instructions[peak].kernel;
    result["peak_source"] = dsc::sourceLine(kernels[peak]->getLoc());
  }
  return result;
}

/// The step's predicted time on `hardware`, in total and by part.
json::Object predictedEntry(ArrayRef<dsc::InstructionTime> times,
                            ArrayRef<dsrt::KernelOp> kernels,
                            const dsc::Hardware &hardware) {
  std::map<std::string, double> byPhase;
  double total = 0, collective = 0, recompute = 0, computeBound = 0;
  double beside = 0;
  int64_t computeBoundKernels = 0, memoryBoundKernels = 0;
  for (auto [index, time] : llvm::enumerate(times)) {
    dsrt::KernelOp kernel = kernels[index];
    total += time.seconds;
    // An update marked to run beside the backward (-ds-overlap-updates).
    if (kernel.getKernelAttrs().contains("beside"))
      beside += time.seconds;
    std::optional<dsrt::Phase> phase = kernel.getPhase();
    byPhase[phase ? dsrt::stringifyPhase(*phase).str() : "unknown"] +=
        time.seconds;
    if (kernel.getRecompute())
      recompute += time.seconds;
    if (time.collective) {
      collective += time.seconds;
      continue;
    }
    if (time.computeBound) {
      computeBound += time.seconds;
      ++computeBoundKernels;
    } else {
      ++memoryBoundKernels;
    }
  }
  json::Object phases;
  for (auto &[phase, seconds] : byPhase)
    phases[phase] = seconds;
  return json::Object{{"hardware", toJSON(hardware)},
                      {"step_seconds", total},
                      {"seconds_by_phase", std::move(phases)},
                      {"recompute_seconds", recompute},
                      {"updates_beside_seconds", beside},
                      {"collective_seconds", collective},
                      {"compute_bound_seconds", computeBound},
                      {"compute_bound_kernels", computeBoundKernels},
                      {"memory_bound_kernels", memoryBoundKernels}};
}

} // namespace

std::string dsc::sourceLine(Location loc) {
  if (auto file = loc->findInstanceOf<FileLineColLoc>())
    return (file.getFilename().getValue() + ":" + Twine(file.getLine())).str();
  return "";
}

FailureOr<SmallVector<dsrt::KernelOp>> dsc::stepKernels(ModuleOp module,
                                                        const rt::Plan &plan) {
  auto step = module.lookupSymbol<func::FuncOp>("step");
  if (!step)
    return module.emitError() << "no dsrt step function @step to report on";
  auto kernels = llvm::to_vector(step.getOps<dsrt::KernelOp>());
  if (kernels.size() != plan.instructions.size())
    return step.emitError()
           << "has " << kernels.size() << " kernels but its plan "
           << plan.instructions.size() << " instructions";
  return kernels;
}

std::vector<dsc::InstructionTime>
dsc::estimateTimes(const rt::Plan &plan, ArrayRef<dsrt::KernelOp> kernels,
                   const Hardware &hardware) {
  std::vector<InstructionTime> times;
  auto value = [](FloatAttr attr) {
    return attr ? attr.getValueAsDouble() : 0.0;
  };
  for (auto [index, instruction] : llvm::enumerate(plan.instructions)) {
    dsrt::KernelOp kernel = kernels[index];
    InstructionTime time;
    if (kernel.isCollective()) {
      time.collective = true;
      time.seconds =
          collectiveTime(hardware, instruction.getString("axes"),
                         static_cast<double>(linkBytes(plan, instruction)));
    } else {
      // An update on the host (-ds-host-updates) runs on its processor.
      KernelTime estimate =
          kernelTime(hardware, value(kernel.getFlopsAttr()),
                     value(kernel.getBytesAttr()), kernel.getMatrixUnits(),
                     kernel.getKernelAttrs() &&
                         kernel.getKernelAttrs().contains("on_host"));
      time.seconds = estimate.seconds;
      time.computeBound = estimate.computeBound;
    }
    times.push_back(time);
  }
  return times;
}

namespace {
/// The bytes of the plan's tensors of `storage`.
int64_t bytesOf(const dsc::rt::Plan &plan, dsc::rt::Storage storage) {
  int64_t bytes = 0;
  for (uint32_t t : plan.tensorsWith(storage))
    bytes += plan.tensors[t].numBytes();
  return bytes;
}

/// What a collective with `bytes` of input (linkBytes) sends per rank on a
/// ring of its group's g ranks: an all-reduce 2 (g-1)/g of it, a
/// reduce-scatter (g-1)/g, an all-gather its piece g-1 times; nothing for
/// the others (local slices; all-to-alls move activations).
double ringSentBytes(const dsc::rt::Plan &plan,
                     const dsc::rt::Instruction &instruction, int64_t bytes) {
  int64_t group = 1;
  std::string axes = instruction.getString("axes");
  SmallVector<StringRef> names;
  StringRef(axes).split(names, ',');
  for (StringRef axis : names)
    for (const auto &[name, size] : plan.mesh)
      if (name == axis.trim())
        group *= size;
  double g = static_cast<double>(group), b = static_cast<double>(bytes);
  if (instruction.kernel == "all_reduce")
    return 2.0 * (g - 1) / g * b;
  if (instruction.kernel == "reduce_scatter")
    return (g - 1) / g * b;
  if (instruction.kernel == "all_gather")
    return (g - 1) * b;
  return 0;
}

/// Model states per rank (parameters, gradients, optimizer state) as the
/// plan holds them, and as ZeRO's formula says they should be: with N ranks
/// and stage s >= 1, each state tensor of a trainable parameter of n
/// elements is a piece of ceil(n / N) elements, and so is the gradient the
/// update reads (at stage 1 a slice of the whole all-reduced gradient, which
/// lives only until then, at stage 2 the reduce-scattered piece: the stages
/// differ in what they send and in the transient whole, not in what the
/// update holds); at stage 3 each trainable parameter too.
json::Object modelStatesEntry(const dsc::rt::Plan &plan, double sentBytes) {
  using dsc::rt::Storage;
  int64_t stage = 0;
  if (auto it = plan.metadata.find("zero_stage"); it != plan.metadata.end())
    (void)StringRef(it->second).getAsInteger(10, stage);
  int64_t ranks = plan.numRanks();
  auto piece = [&](const dsc::rt::TensorDesc &desc) {
    int64_t n = desc.numElements();
    return static_cast<int64_t>(dsc::rt::dtypeSize(desc.dtype)) *
           (n / ranks + (n % ranks != 0));
  };
  // A stage-3 parameter is a piece: counts and formulas use the whole.
  auto whole = [](const dsc::rt::TensorDesc &desc) {
    dsc::rt::TensorDesc result = desc;
    result.shape = desc.parameterShape();
    result.dataShape.clear();
    return result;
  };
  int64_t parameters = 0, trainable = 0;
  int64_t params = 0, grads = 0, state = 0;
  int64_t formulaParams = 0, formulaGrads = 0, formulaState = 0;
  StringMap<dsc::rt::TensorDesc> trainableByName;
  for (auto [param, grad] : plan.gradients) {
    dsc::rt::TensorDesc p = whole(plan.tensors[param]);
    trainable += p.numElements();
    grads += plan.tensors[grad].numBytes();
    formulaGrads += stage >= 1 ? piece(p) : p.numBytes();
    trainableByName[p.name] = p;
  }
  // Bytes are the device memory's: offloaded parameters (and state) are
  // the offload entry's.
  for (uint32_t t : plan.parameterTensors()) {
    dsc::rt::TensorDesc p = whole(plan.tensors[t]);
    parameters += p.numElements();
    if (plan.tensors[t].storage != Storage::Parameter)
      continue;
    params += plan.tensors[t].numBytes();
    formulaParams +=
        stage >= 3 && trainableByName.count(p.name) ? piece(p) : p.numBytes();
  }
  for (uint32_t t : plan.tensorsWith(Storage::State)) {
    const dsc::rt::TensorDesc &desc = plan.tensors[t];
    state += desc.numBytes();
    // `exp_avg.<param>`: its parameter's; `step`: as it is.
    auto [slot, name] = StringRef(desc.name).split('.');
    auto it = trainableByName.find(name);
    formulaState += it != trainableByName.end() && stage >= 1
                        ? piece(it->second)
                        : desc.numBytes();
  }
  const char *formula[] = {
      "parameters 4P, gradients 4P, optimizer state 8P (AdamW)",
      "parameters 4P, gradients 4P/N read by the update (all-reduced "
      "whole, then sliced), optimizer state 8P/N",
      "parameters 4P, gradients 4P/N (reduce-scattered), optimizer state "
      "8P/N",
      "parameters 4P/N (gathered whole before their readers), gradients "
      "4P/N (reduce-scattered), optimizer state 8P/N"};
  // Data parallelism's all-reduce of every gradient sends 2 (N-1)/N 4P.
  double dataParallel = 2.0 * static_cast<double>(ranks - 1) /
                        static_cast<double>(ranks) * 4.0 *
                        static_cast<double>(trainable);
  const char *traffic[] = {
      "all-reduce of the gradients: 1",
      "all-reduce of the gradients and all-gather of the new parameters: "
      "1.5",
      "reduce-scatter of the gradients and all-gather of the new "
      "parameters: 1",
      "reduce-scatter of the gradients, all-gather of the parameters in "
      "the forward and again in the backward (those the backward reads and "
      "does not keep whole): at most 1.5"};
  json::Object sent{
      {"bytes_per_rank", static_cast<int64_t>(std::llround(sentBytes))},
      {"data_parallel_bytes_per_rank",
       static_cast<int64_t>(std::llround(dataParallel))},
      {"formula",
       "sent per rank and step, ring collectives (all-reduce 2 (g-1)/g, "
       "reduce-scatter (g-1)/g of the input, all-gather g-1 pieces), as a "
       "multiple of data parallelism's 2 (N-1)/N 4P: " +
           std::string(traffic[std::clamp<int64_t>(stage, 0, 3)])}};
  if (ranks > 1 && trainable > 0)
    sent["ratio_to_data_parallel"] = sentBytes / dataParallel;
  return json::Object{
      {"zero_stage", stage},
      {"ranks", ranks},
      {"collectives", std::move(sent)},
      {"parameters", parameters},
      {"trainable_parameters", trainable},
      {"bytes_per_rank", json::Object{{"parameters", params},
                                      {"gradients", grads},
                                      {"optimizer_state", state}}},
      {"formula", std::string(formula[std::clamp<int64_t>(stage, 0, 3)]) +
                      " for fp32 with P trainable parameters on N ranks; "
                      "each piece of a parameter of n elements holds "
                      "ceil(n / N)"},
      {"formula_bytes_per_rank",
       json::Object{{"parameters", formulaParams},
                    {"gradients", formulaGrads},
                    {"optimizer_state", formulaState}}},
  };
}

/// What -ds-offload keeps in swap files or host memory and moves each step
/// (reload reads one, offload writes one), and the transfers' predicted
/// time on `hardware`: the instructions run in order, the disk and the
/// host link each serve transfers one at a time in the order they start
/// (host copies in line without a copy engine), and a wait stalls the
/// step until its transfer is over. What the step
/// stalls is exposed; the rest of the transfers' time is hidden behind
/// compute.
/// The bytes of the parameters kept in host memory or swap files (the
/// top-level parameter_bytes counts those in device memory).
int64_t offloadedParameterBytes(const dsc::rt::Plan &plan) {
  int64_t total = 0;
  for (uint32_t t : plan.parameterTensors())
    if (dsc::rt::isOffloaded(plan.tensors[t].storage))
      total += static_cast<int64_t>(plan.tensors[t].numBytes());
  return total;
}

json::Object offloadEntry(const dsc::rt::Plan &plan,
                          ArrayRef<dsc::InstructionTime> times,
                          const dsc::Hardware &hardware) {
  int64_t swapRead = 0, swapWritten = 0, transfers = 0;
  double now = 0, compute = 0, transferSeconds = 0;
  double diskFree = 0, hostFree = 0;
  std::map<uint32_t, double> finish;
  for (auto [index, inst] : llvm::enumerate(plan.instructions)) {
    std::optional<dsc::rt::TransferKind> transfer =
        dsc::rt::transferKind(inst.kernel);
    if (!transfer) {
      now += times[index].seconds;
      compute += times[index].seconds;
      continue;
    }
    bool write = transfer->write;
    uint32_t file = transfer->file(inst);
    int64_t bytes = static_cast<int64_t>(plan.tensors[file].numBytes());
    if (transfer->wait) {
      now = std::max(now, finish[file]);
      continue;
    }
    (write ? swapWritten : swapRead) += bytes;
    ++transfers;
    bool host = plan.tensors[file].storage == dsc::rt::Storage::Host;
    double seconds = dsc::transferTime(hardware, host ? "cpu" : "nvme",
                                       static_cast<double>(bytes));
    transferSeconds += seconds;
    if (host && !hardware.copyEngine) {
      // Copied in line by the runtime: the step waits for it there.
      now += seconds;
      finish[file] = now;
      continue;
    }
    double &free = host ? hostFree : diskFree;
    free = std::max(free, now) + seconds;
    finish[file] = free;
  }
  // The step's time less its compute: sums taken in other orders, so a
  // step that hides nothing can come out a rounding error short of the
  // transfers' time (hidden 1e-18 s); that is none.
  double exposed = now - compute;
  double hidden = transferSeconds - exposed;
  if (hidden <= 1e-9 * transferSeconds)
    hidden = 0;
  // A GPU pins the host tensors and stages the swap files' transfers
  // through pinned buffers (SwapStaging.h); the CPU runtime pins nothing.
  int64_t staging =
      static_cast<int64_t>(dsc::rt::planSwapStaging(plan).totalBytes);
  return json::Object{
      {"nvme_bytes_per_rank", bytesOf(plan, dsc::rt::Storage::Swapped)},
      {"nvme_tensors", static_cast<int64_t>(
                           plan.tensorsWith(dsc::rt::Storage::Swapped).size())},
      {"host_bytes_per_rank", bytesOf(plan, dsc::rt::Storage::Host)},
      {"host_tensors",
       static_cast<int64_t>(plan.tensorsWith(dsc::rt::Storage::Host).size())},
      {"parameter_bytes_per_rank", offloadedParameterBytes(plan)},
      {"staging_bytes_per_rank", staging},
      {"pinned_bytes_per_rank_on_gpu",
       static_cast<int64_t>(dsc::rt::offloadHostBytes(plan, /*gpu=*/true))},
      {"read_bytes_per_step", swapRead},
      {"written_bytes_per_step", swapWritten},
      {"transfers_per_step", transfers},
      {"transfer_seconds", transferSeconds},
      {"exposed_seconds", exposed},
      {"hidden_seconds", hidden},
      {"step_seconds", now}};
}

} // namespace

FailureOr<json::Value> dsc::reportStep(ModuleOp module, const rt::Plan &plan,
                                       const Hardware &hardware) {
  FailureOr<SmallVector<dsrt::KernelOp>> stepKernelOps =
      stepKernels(module, plan);
  if (failed(stepKernelOps))
    return failure();
  MutableArrayRef<dsrt::KernelOp> kernels = *stepKernelOps;

  std::map<std::string, int64_t> kernelCounts;
  std::map<std::string, int64_t> bytesByKind;
  double sentBytes = 0;
  json::Array collectives;
  for (auto [index, kernel] : llvm::enumerate(kernels)) {
    ++kernelCounts[plan.instructions[index].kernel];
    if (!kernel.isCollective())
      continue;
    int64_t bytes = 0;
    collectives.push_back(collectiveEntry(plan, index, kernel, bytes));
    bytesByKind[plan.instructions[index].kernel] += bytes;
    sentBytes += ringSentBytes(plan, plan.instructions[index], bytes);
  }

  auto toObject = [](const auto &map) {
    json::Object object;
    for (auto &[key, value] : map)
      object[key] = value;
    return object;
  };
  auto bytesOf = [&](rt::Storage storage) { return ::bytesOf(plan, storage); };
  std::vector<InstructionTime> times = estimateTimes(plan, kernels, hardware);
  std::map<std::string, int64_t> mesh(plan.mesh.begin(), plan.mesh.end());
  return json::Value(json::Object{
      {"arena_bytes", static_cast<int64_t>(plan.arenaBytes)},
      {"memory", memoryEntry(plan, kernels, hardware.kernelThreads)},
      {"predicted", predictedEntry(times, kernels, hardware)},
      {"parameter_bytes", bytesOf(rt::Storage::Parameter)},
      {"optimizer_state_bytes", bytesOf(rt::Storage::State)},
      {"model_states", modelStatesEntry(plan, sentBytes)},
      {"input_bytes", bytesOf(rt::Storage::Input)},
      {"offload", offloadEntry(plan, times, hardware)},
      {"constant_bytes", static_cast<int64_t>(plan.constants.size())},
      {"instructions", static_cast<int64_t>(plan.instructions.size())},
      {"kernels", toObject(kernelCounts)},
      {"mesh", toObject(mesh)},
      {"collective_bytes_per_step", toObject(bytesByKind)},
      {"collectives", std::move(collectives)},
      {"metadata", toObject(plan.metadata)},
  });
}
