//===- Executor.cpp - loads a plan and runs its steps ---------------------===//
//
// All checking happens in Executor::create, so that step() only calls
// kernels: every instruction is matched against the kernel table, its
// tensors get ATen views once, and a result that overlaps an operand in a
// way its kernel cannot handle is computed into a temporary and copied
// afterwards. Collective instructions get their group there too: the mesh
// axes they name are resolved against this rank's coordinates, and the
// communicators are created once, in plan order, so that every rank creates
// the same groups in the same order.
//
// Over 500 lines because it is one class whose create() does all the
// checking step() relies on; the kernels live in kernels/, allocations and
// copies in ExecutorMemory.cpp, weights, inputs and gradients in
// ExecutorData.cpp.
//
//===----------------------------------------------------------------------===//

#include "ExecutorImpl.h"

#include "dsc/Runtime/AllocationCounter.h"
#include "dsc/Runtime/CollectiveSchedule.h"
#include "dsc/Runtime/Comm.h"
#include "dsc/Runtime/Device.h"
#include "dsc/Runtime/Mesh.h"
#include "dsc/Runtime/PlanMemory.h"
#include "dsc/Runtime/SwapTransfers.h"

#include "kernels/ATenKernel.h"
#include "kernels/KernelRegistry.h"

#include "llvm/Support/MathExtras.h"

#include <ATen/DeviceAccelerator.h>
#include <ATen/Parallel.h>

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <unistd.h>

using namespace dsc::rt;
using namespace dsc::rt::exec;
using namespace dsc::rt::kernels;
using llvm::StringRef;
using llvm::Twine;

std::string exec::instructionPrefix(size_t index, const Instruction &inst) {
  return "instruction " + std::to_string(index) + " '" + inst.kernel + "': ";
}

std::string exec::describeTensor(const Plan &plan, uint32_t index) {
  std::string text = "tensor " + std::to_string(index);
  if (!plan.tensors[index].name.empty())
    text += " '" + plan.tensors[index].name + "'";
  return text;
}

llvm::Error Executor::Impl::compile(size_t index) {
  const Instruction &inst = plan.instructions[index];
  auto fail = [&](const Twine &message) {
    return llvm::createStringError(instructionPrefix(index, inst) + message);
  };
  if (std::optional<TransferKind> kind = transferKind(inst.kernel)) {
    // validatePlan checked the form: one offloaded tensor, one in memory.
    CompiledInstruction compiled;
    compiled.inst = &inst;
    uint32_t away = kind->file(inst);
    if (staging && plan.tensors[away].storage == Storage::Swapped) {
      if (kind->wait) {
        auto start = stagedStarts.find(away);
        if (start == stagedStarts.end())
          return fail("no transfer of " + describeTensor(plan, away) +
                      " was started before this wait");
        compiled.swapStaging = staging->compileWait(inst, *kind, start->second);
      } else {
        compiled.swapStaging = staging->compileStart(
            inst, *kind, stagingPlan.regionOf.lookup(index),
            bytesAt(data[kind->memory(inst)], plan.tensors[away].numBytes(),
                    /*host=*/false));
        stagedStarts[away] = *compiled.swapStaging;
      }
      program.push_back(std::move(compiled));
      return llvm::Error::success();
    }
    if (device.isCuda()) {
      // In host memory (swap files are staged, above): the copy stream's.
      // The wait is the start's copy.
      uint64_t bytes = plan.tensors[away].numBytes();
      if (!copies)
        copies = std::make_unique<CopyStream>(device);
      compiled.copyWait = kind->wait;
      if (kind->wait) {
        auto start = copyStarts.find(away);
        if (start == copyStarts.end())
          return fail("no transfer of " + describeTensor(plan, away) +
                      " was started before this wait");
        compiled.copy = start->second;
      } else {
        at::Tensor host = bytesAt(data[away], bytes, /*host=*/true);
        at::Tensor memory = bytesAt(data[kind->memory(inst)], bytes, false);
        compiled.copy = kind->write ? copies->compile(host, memory)
                                    : copies->compile(memory, host);
        copyStarts[away] = *compiled.copy;
      }
      program.push_back(std::move(compiled));
      return llvm::Error::success();
    }
    compiled.transfer = transfers->compile(
        inst, *kind, data[kind->memory(inst)],
        plan.tensors[away].storage == Storage::Host ? data[away] : nullptr,
        plan.tensors[away].numBytes());
    program.push_back(std::move(compiled));
    return llvm::Error::success();
  }

  const KernelInfo *kernel = lookupKernel(inst.kernel);
  if (!kernel)
    return fail("no such kernel in this runtime (ds-run --list-kernels "
                "lists them)");
  size_t numOperands = inst.operands.size(), numResults = inst.results.size();
  if (numOperands < kernel->minOperands || numOperands > kernel->maxOperands) {
    std::string expected =
        kernel->minOperands == kernel->maxOperands
            ? std::to_string(kernel->minOperands)
        : kernel->maxOperands == ~0u
            ? "at least " + std::to_string(kernel->minOperands)
            : std::to_string(kernel->minOperands) + " to " +
                  std::to_string(kernel->maxOperands);
    return fail("expected " + expected + " operands, got " +
                Twine(numOperands));
  }
  if (kernel->numResults ? numResults != kernel->numResults : numResults == 0)
    return fail("expected " +
                (kernel->numResults ? std::to_string(kernel->numResults)
                                    : std::string("at least 1")) +
                " results, got " + Twine(numResults));

  std::vector<const TensorDesc *> operandDescs, resultDescs;
  for (uint32_t t : inst.operands)
    operandDescs.push_back(&plan.tensors[t]);
  for (uint32_t t : inst.results)
    resultDescs.push_back(&plan.tensors[t]);
  for (uint32_t t : llvm::concat<const uint32_t>(inst.operands, inst.results))
    if (!views[t].defined())
      return fail(describeTensor(plan, t) + " has dtype " +
                  StringRef(dtypeName(plan.tensors[t].dtype)).lower() +
                  ", which the ATen kernels do not support");
  CompiledInstruction compiled;
  if (kernel->group != GroupUse::None)
    if (llvm::Error err = resolveGroup(inst, compiled))
      return fail(llvm::toString(std::move(err)));
  if (llvm::Error err =
          kernel->check({inst, operandDescs, resultDescs, compiled.group.size}))
    return fail(llvm::toString(std::move(err)));

  compiled.inst = &inst;
  compiled.kernel = kernel;
  // validatePlan checked that all of it is in host memory then.
  compiled.onHost = llvm::any_of(
      llvm::concat<const uint32_t>(inst.operands, inst.results),
      [&](uint32_t t) { return plan.tensors[t].storage == Storage::Host; });
  for (uint32_t t : inst.operands)
    compiled.operands.push_back(views[t]);
  for (auto [pos, t] : llvm::enumerate(inst.results)) {
    MemoryRegion region = memoryRegion(plan, t);
    const TensorDesc &desc = plan.tensors[t];
    for (size_t other = 0; other < pos; ++other)
      if (region.overlaps(memoryRegion(plan, inst.results[other])))
        return fail("results " + Twine(other) + " and " + Twine(pos) +
                    " share memory");
    bool stage = false;
    for (auto [operandPos, o] : llvm::enumerate(inst.operands)) {
      MemoryRegion operandRegion = memoryRegion(plan, o);
      if (!region.overlaps(operandRegion))
        continue;
      bool exact =
          region.sameAs(operandRegion) && plan.tensors[o].dtype == desc.dtype;
      bool allowed = exact && (kernel->alias == Alias::Elementwise ||
                               (kernel->alias == Alias::Listed &&
                                pos < kernel->inPlaceOperands.size() &&
                                kernel->inPlaceOperands[pos] == operandPos));
      stage |= !allowed;
    }
    if (!stage) {
      compiled.results.push_back(views[t]);
      continue;
    }
    at::Tensor temporary = at::empty_like(views[t]);
    compiled.results.push_back(temporary);
    compiled.staged.emplace_back(views[t], temporary);
  }
  program.push_back(std::move(compiled));
  return llvm::Error::success();
}

llvm::Error Executor::Impl::resolveGroup(const Instruction &inst,
                                         CompiledInstruction &out) {
  if (inst.has("mesh") &&
      !std::holds_alternative<std::string>(inst.attrs.find("mesh")->second))
    return llvm::createStringError("attribute 'mesh' must be a string");
  auto it = inst.attrs.find("axes");
  if (it == inst.attrs.end())
    return llvm::createStringError("missing attribute 'axes'");
  const auto *axesText = std::get_if<std::string>(&it->second);
  if (!axesText)
    return llvm::createStringError(
        "attribute 'axes' must be a string of comma-separated mesh axis "
        "names");
  auto axes = parseMeshAxes(plan, *axesText);
  if (!axes)
    return axes.takeError();
  out.axes = *axesText;
  out.groupRanks = meshGroup(meshShape(plan), *axes, rank);
  auto self = llvm::find(out.groupRanks, rank);
  out.group.rank = static_cast<int>(self - out.groupRanks.begin());
  out.group.size = static_cast<int>(out.groupRanks.size());
  return llvm::Error::success();
}

llvm::Error Executor::Impl::connectGroups() {
  for (auto [index, compiled] : llvm::enumerate(program)) {
    if (!compiled.kernel || compiled.kernel->group != GroupUse::Communicator ||
        compiled.group.size == 1)
      continue;
    auto comm = world->group(compiled.groupRanks);
    if (!comm)
      return llvm::createStringError(
          instructionPrefix(index, *compiled.inst) +
          "cannot connect the group of mesh axes \"" + compiled.axes +
          "\": " + llvm::toString(comm.takeError()));
    compiled.group.comm = &*comm;
  }
  return llvm::Error::success();
}

void Executor::Impl::assignGradients() {
  for (auto [gradient, pair] : llvm::enumerate(plan.gradients)) {
    uint32_t grad = pair.second;
    std::optional<size_t> firstRead, lastWrite;
    for (auto [index, inst] : llvm::enumerate(plan.instructions)) {
      if (!firstRead && llvm::is_contained(inst.operands, grad))
        firstRead = index;
      if (llvm::is_contained(inst.results, grad))
        lastWrite = index;
    }
    if (firstRead)
      program[*firstRead].gradientsRead.push_back(gradient);
    else if (lastWrite)
      program[*lastWrite].gradients.push_back(gradient);
    else
      lateGradients.push_back(gradient);
  }
}
llvm::Error Executor::Impl::runInstruction(CompiledInstruction &compiled,
                                           size_t index) {
  auto fail = [&](const Twine &message) {
    return llvm::createStringError(instructionPrefix(index, *compiled.inst) +
                                   message);
  };
  if (compiled.transfer || compiled.swapStaging) {
    llvm::Error err =
        compiled.transfer
            ? transfers->run(*compiled.transfer)
            : catchTorchErrors("copying through the staging buffer", [&] {
                return staging->run(*compiled.swapStaging);
              });
    if (err)
      return fail(llvm::toString(std::move(err)));
    return llvm::Error::success();
  }
  if (compiled.copy)
    return catchTorchErrors(instructionPrefix(index, *compiled.inst), [&] {
      if (compiled.copyWait)
        copies->wait(*compiled.copy);
      else
        copies->start(*compiled.copy);
      return llvm::Error::success();
    });
  try {
    if (compiled.onHost && copies)
      copies->synchronize();
    compiled.kernel->run(KernelArgs{*compiled.inst, compiled.operands,
                                    compiled.results, &compiled.group,
                                    &scalars});
    for (auto &[planned, temporary] : compiled.staged)
      planned.copy_(temporary);
  } catch (const c10::Error &e) {
    std::string message = e.what_without_backtrace();
    // ATen appends its own context lines; the first line says what failed.
    return fail(StringRef(message).split('\n').first);
  } catch (const std::exception &e) {
    return fail(e.what());
  }
  for (auto [pos, result] : llvm::enumerate(compiled.results)) {
    const TensorDesc &desc = plan.tensors[compiled.inst->results[pos]];
    if (result.sizes() != at::IntArrayRef(desc.shape))
      return fail("the kernel resized result " + Twine(pos));
  }
  return llvm::Error::success();
}

Executor::Executor(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Executor::~Executor() = default;

llvm::Expected<std::unique_ptr<Executor>>
Executor::create(Plan plan, World *world, const SwapOptions *swap,
                 Device device) {
  if (llvm::Error err = validatePlan(plan))
    return std::move(err);
  if (llvm::Error err = prepareDevice(device))
    return std::move(err);
  // Gloo's collectives take host memory, NCCL's device memory.
  if (world) {
    StringRef backend = world->world().backendName();
    StringRef wanted = device.isCuda() ? "nccl" : "gloo";
    if (backend != wanted)
      return llvm::createStringError(
          "the " + device.name() + " runtime runs its collectives on " +
          wanted + ", but the ranks connected with " + backend +
          " (DSC_COMM_BACKEND)");
  }
  allocations::install();
  int64_t ranks = meshRanks(plan);
  int worldSize = world ? world->size() : 1;
  if (ranks != worldSize)
    return llvm::createStringError(
        "the plan runs on " + Twine(ranks) + " rank" + (ranks == 1 ? "" : "s") +
        " (mesh: " + describeMesh(plan) + "), " +
        (world ? "but the world has " + Twine(worldSize) + " rank" +
                     (worldSize == 1 ? "" : "s")
               : Twine("but the executor has no world (one rank)")));
  auto impl = std::make_unique<Impl>();
  impl->plan = std::move(plan);
  impl->world = world;
  impl->device = device;
  impl->rank = world ? world->rank() : 0;
  impl->coordinates = dsc::rt::meshCoordinates(impl->plan, impl->rank);
  const Plan &p = impl->plan;
  try {
    if (device.isCuda())
      at::accelerator::setDeviceIndex(
          static_cast<c10::DeviceIndex>(device.index));
    if (llvm::Error err = impl->allocateMemory())
      return std::move(err);
    auto transfers = SwapTransfers::open(impl->plan, impl->rank, swap);
    if (!transfers)
      return transfers.takeError();
    impl->transfers = std::move(*transfers);
    if (impl->transfers && impl->transfers->hasSwap() &&
        (device.isCuda() || (swap && swap->stage)))
      if (llvm::Error err = impl->allocateStaging())
        return std::move(err);
    impl->createViews();
    for (size_t index = 0; index < p.instructions.size(); ++index)
      if (llvm::Error err = impl->compile(index))
        return std::move(err);
  } catch (const c10::Error &e) {
    return llvm::createStringError(
        "cannot prepare the plan: " +
        StringRef(e.what_without_backtrace()).split('\n').first);
  } catch (const std::exception &e) {
    return llvm::createStringError("cannot prepare the plan: " +
                                   StringRef(e.what()).split('\n').first);
  }
  if (llvm::Error err = impl->connectGroups())
    return std::move(err);
  impl->assignGradients();
  impl->captured.resize(p.gradients.size());
  impl->inputSet.assign(p.tensors.size(), false);
  for (uint32_t index : p.tensorsWith(Storage::Input))
    impl->inputs[p.tensors[index].name] = index;
  impl->hasParameters = !p.parameterTensors().empty();
  // The updates the plan runs beside the backward.
  impl->configureSideThread();
  return std::unique_ptr<Executor>(new Executor(std::move(impl)));
}

const Plan &Executor::plan() const { return impl->plan; }

llvm::StringRef Executor::swapNotice() const {
  return impl->transfers ? impl->transfers->notice() : "";
}

const TransferStats *Executor::transferStats() const {
  if (impl->copies)
    return &impl->copies->stats();
  return impl->transfers ? &impl->transfers->stats() : nullptr;
}

int Executor::rank() const { return impl->rank; }

llvm::ArrayRef<int64_t> Executor::meshCoordinates() const {
  return impl->coordinates;
}

uint64_t Executor::arenaBytes() const {
  return impl->arena ? impl->plan.arenaBytes : 0;
}

const Device &Executor::device() const { return impl->device; }

Executor::MemoryUse Executor::memoryUse() const { return impl->memoryUse; }

const Executor::Timing &Executor::timing() const { return impl->timing; }
llvm::Error Executor::step() {
  if (impl->hasParameters && !impl->weightsLoaded)
    return llvm::createStringError(
        "the parameters have no values: load the weights before a step");
  for (const auto &entry : impl->inputs)
    if (!impl->inputSet[entry.second])
      return llvm::createStringError("input '" + entry.getKey() +
                                     "' was never set");
  // On a GPU an earlier kernel's error surfaces at the next
  // synchronization, wherever that is.
  llvm::Error err =
      catchTorchErrors("running the step on " + impl->device.name(),
                       [&] { return impl->runStep(); });
  return err ? impl->settle(std::move(err)) : std::move(err);
}

llvm::Error Executor::Impl::pollTransfers() {
  if (staging && staging->pending())
    if (llvm::Error err = catchTorchErrors("copying through the staging buffer",
                                           [&] { return staging->poll(); }))
      return err;
  if (transfers && transfers->busy())
    return transfers->poll();
  return llvm::Error::success();
}

bool Executor::Impl::isAsync(size_t index) const {
  return collectives && beside[index];
}

bool Executor::Impl::runsBeside(size_t index) const {
  const CompiledInstruction &compiled = program[index];
  // On a GPU only an update on the host: one on the device goes in the
  // stream's order.
  if (compiled.kernel)
    return (asyncCollectives && compiled.group.comm &&
            compiled.kernel->group == GroupUse::Communicator) ||
           (compiled.kernel->optimizerUpdate && compiled.inst->has("beside") &&
            (!device.isCuda() || compiled.onHost));
  // The transfer of what an update beside wrote goes after it there, start
  // and wait (the swap engine's transfers, host copies and the copy
  // stream's, not the staged ones), or the step would wait for the update
  // right away: the offload of its new state, the reload of its new value
  // on the host (on a GPU, into device memory).
  if (!compiled.transfer && !compiled.copy)
    return false;
  const Instruction &inst = *compiled.inst;
  std::optional<TransferKind> kind = transferKind(inst.kernel);
  if (!kind)
    return false;
  MemoryRegion source =
      memoryRegion(plan, kind->write ? kind->memory(inst) : kind->file(inst));
  for (size_t before = index; before-- > 0;) {
    const Instruction &writer = plan.instructions[before];
    if (kind->wait) {
      std::optional<TransferKind> start = transferKind(writer.kernel);
      if (start && start->write == kind->write && !start->wait &&
          start->file(writer) == kind->file(inst))
        return beside[before];
      continue;
    }
    for (uint32_t result : writer.results)
      if (memoryRegion(plan, result).overlaps(source))
        return beside[before] && program[before].kernel &&
               program[before].kernel->optimizerUpdate;
  }
  return false;
}

llvm::Error Executor::Impl::settle(llvm::Error err) {
  // Transfers still in flight would go on touching the arena, and so would
  // collectives.
  if (staging)
    staging->abandon();
  if (transfers)
    llvm::consumeError(transfers->abandon());
  if (copies)
    llvm::consumeError(catchTorchErrors("", [&] {
      copies->synchronize();
      return llvm::Error::success();
    }));
  if (collectives) {
    llvm::Error pending = collectives->drain();
    if (!err)
      return pending;
    llvm::consumeError(std::move(pending));
  }
  return err;
}

void Executor::Impl::forgetWrittenScalars(const CompiledInstruction &compiled) {
  for (uint32_t result : compiled.inst->results)
    scalars.written(result);
  // A transfer is taken to write all its tensors (CollectiveSchedule.h).
  if (!compiled.kernel)
    for (uint32_t operand : compiled.inst->operands)
      scalars.written(operand);
}

llvm::Error Executor::Impl::runStep() {
  // Weights, inputs and state may have been set since the last step.
  scalars.clear();
  uint64_t before = liveBytes();
  uint64_t high = before;
  std::vector<uint64_t> &byInstruction = memoryUse.outsideArenaByInstruction;
  byInstruction.resize(program.size(), 0);
  std::vector<double> &seconds = timing.secondsByInstruction;
  seconds.resize(program.size(), 0);
  // Captured gradients and the hook see instructions complete.
  auto drain = [&]() -> llvm::Error {
    return collectives ? collectives->drain() : llvm::Error::success();
  };
  for (auto [index, compiled] : llvm::enumerate(program)) {
    // What failed beside stops the step before the next instruction, so
    // the error is the first one rather than one it caused.
    if (collectives && collectives->failed())
      return settle(drain());
    if (collectives && waits[index] >= 0) {
      uint64_t ticket = tickets[waits[index]];
      ++timing.collectiveWaits;
      timing.collectivesDoneAtWait += collectives->done(ticket);
      auto waitBegan = std::chrono::steady_clock::now();
      if (llvm::Error err = collectives->wait(ticket))
        return settle(std::move(err));
      timing.collectiveWaitSeconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        waitBegan)
              .count();
    }
    if (captureGradients && !compiled.gradientsRead.empty()) {
      if (llvm::Error err = drain())
        return settle(std::move(err));
      for (size_t gradient : compiled.gradientsRead)
        if (llvm::Error err = capture(gradient))
          return settle(std::move(err));
    }
    forgetWrittenScalars(compiled);
    uint64_t start = liveBytes();
    resetPeak();
    auto began = std::chrono::steady_clock::now();
    if (collectives && isAsync(index))
      tickets[index] =
          collectives->submit([this, &compiled = compiled, index = index] {
            return runInstruction(compiled, index);
          });
    else if (llvm::Error err = runInstruction(compiled, index))
      return settle(std::move(err));
    // Transfers in flight move on between instructions.
    if (llvm::Error err = pollTransfers())
      return settle(llvm::createStringError(
          "swap I/O after " + instructionPrefix(index, *compiled.inst) +
          llvm::toString(std::move(err))));
    seconds[index] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
            .count();
    uint64_t peak = peakBytes();
    high = std::max(high, peak);
    byInstruction[index] =
        std::max(byInstruction[index], peak > start ? peak - start : 0);
    if ((captureGradients && !compiled.gradients.empty()) || hook)
      if (llvm::Error err = drain())
        return settle(std::move(err));
    if (captureGradients)
      for (size_t gradient : compiled.gradients)
        if (llvm::Error err = capture(gradient))
          return settle(std::move(err));
    if (hook) {
      hook(index);
      scalars.clear();
    }
  }
  if (llvm::Error err = drain())
    return settle(std::move(err));
  memoryUse.peakOutsideArena =
      std::max(memoryUse.peakOutsideArena, high > before ? high - before : 0);
  // The kernels a GPU runs are done when the step is: step times are
  // honest, and the next step's inputs may be written.
  synchronizeDevice(device);
  ++timing.steps;
  if (captureGradients)
    for (size_t gradient : lateGradients)
      if (llvm::Error err = capture(gradient))
        return err;
  return llvm::Error::success();
}

void Executor::Impl::configureSideThread() {
  beside.assign(program.size(), false);
  for (size_t index = 0; index < program.size(); ++index)
    beside[index] = runsBeside(index);
  if (!llvm::is_contained(beside, true)) {
    collectives.reset();
    return;
  }
  waits = dsc::rt::collectiveWaits(
      plan, [&](size_t index) -> bool { return beside[index]; });
  tickets.assign(program.size(), 0);
  if (collectives)
    return;
  // The thread's ATen calls and NCCL's stream belong to the rank's device,
  // and its CPU kernels get as many threads as the main thread's.
  collectives = std::make_unique<CollectiveThread>([device = device] {
    if (device.isCuda())
      at::accelerator::setDeviceIndex(
          static_cast<c10::DeviceIndex>(device.index));
    at::init_num_threads();
  });
}

void Executor::setAsyncCollectives(bool enabled) {
  impl->asyncCollectives = enabled;
  impl->configureSideThread();
}

bool Executor::runsAsync(size_t instruction) const {
  return impl->isAsync(instruction);
}

llvm::ArrayRef<int64_t> Executor::collectiveWaits() const {
  return impl->collectives ? llvm::ArrayRef<int64_t>(impl->waits)
                           : llvm::ArrayRef<int64_t>();
}

double Executor::loss() const {
  return impl->views[impl->plan.loss].item<double>();
}

void Executor::setCaptureGradients(bool enabled) {
  impl->captureGradients = enabled;
}

llvm::ArrayRef<TensorCopy> Executor::capturedGradients() const {
  return impl->captured;
}
void Executor::setInstructionHook(std::function<void(size_t)> hook) {
  impl->hook = std::move(hook);
}

void dsc::rt::setNumThreads(unsigned threads) {
  at::set_num_threads(static_cast<int>(std::max(threads, 1u)));
}

std::vector<std::string> dsc::rt::kernelNames() {
  return kernels::kernelNames();
}
