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
// checking step() relies on; the kernels live in kernels/.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Executor.h"

#include "dsc/Runtime/AllocationCounter.h"
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
using namespace dsc::rt::kernels;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Memory from posix_memalign.
struct FreeDeleter {
  void operator()(uint8_t *pointer) const { std::free(pointer); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, FreeDeleter>;

/// Persistent tensors and constants are aligned at least this much, which
/// is what vectorised ATen kernels like.
constexpr uint64_t kMinAlignment = 64;

/// Allocates `bytes` zeroed bytes aligned to `alignment`; a null buffer for
/// zero bytes.
llvm::Expected<AlignedBuffer> allocate(uint64_t bytes, uint64_t alignment,
                                       const Twine &what) {
  if (bytes == 0)
    return AlignedBuffer();
  alignment = std::max<uint64_t>(alignment, sizeof(void *));
  void *pointer = nullptr;
  if (bytes > SIZE_MAX || posix_memalign(&pointer, alignment, bytes) != 0)
    return llvm::createStringError("cannot allocate " + Twine(bytes) +
                                   " bytes for " + what);
  std::memset(pointer, 0, bytes);
  return AlignedBuffer(static_cast<uint8_t *>(pointer));
}

std::optional<at::ScalarType> atenType(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return at::kDouble;
  case DType::F32:
    return at::kFloat;
  case DType::F16:
    return at::kHalf;
  case DType::BF16:
    return at::kBFloat16;
  case DType::I64:
    return at::kLong;
  case DType::I32:
    return at::kInt;
  case DType::I16:
    return at::kShort;
  case DType::I8:
    return at::kChar;
  case DType::U8:
    return at::kByte;
  case DType::Bool:
    return at::kBool;
  case DType::U16:
  case DType::U32:
  case DType::U64:
    return std::nullopt;
  }
  return std::nullopt;
}

/// Where a tensor's bytes live, for overlap tests: the arena, the constant
/// section, or the persistent allocation of one tensor.
struct Region {
  int64_t space;
  uint64_t begin;
  uint64_t end;

  bool overlaps(const Region &other) const {
    return space == other.space && begin < other.end && other.begin < end;
  }
  bool sameAs(const Region &other) const {
    return space == other.space && begin == other.begin && end == other.end;
  }
};

Region regionOf(const Plan &plan, uint32_t index) {
  const TensorDesc &desc = plan.tensors[index];
  uint64_t bytes = desc.numBytes();
  switch (desc.storage) {
  case Storage::Arena:
    return {0, desc.offset, desc.offset + bytes};
  case Storage::Constant:
    // A splat gets a buffer of its own at load.
    if (desc.splat)
      return {1 + static_cast<int64_t>(index), 0, bytes};
    return {-1, desc.offset, desc.offset + bytes};
  default:
    return {1 + static_cast<int64_t>(index), 0, bytes};
  }
}

/// One instruction ready to run.
struct CompiledInstruction {
  const Instruction *inst = nullptr;
  const KernelInfo *kernel = nullptr;
  std::vector<at::Tensor> operands;
  /// What the kernel writes: the planned views, or temporaries for results
  /// that overlap an operand.
  std::vector<at::Tensor> results;
  /// (planned view, temporary) pairs copied after the kernel.
  std::vector<std::pair<at::Tensor, at::Tensor>> staged;
  /// Indices into Plan::gradients that this instruction is the first to
  /// read: captured before it runs, when they are complete and still intact
  /// (their bytes may be reused after the last reader, and a gradient that
  /// is a view of a larger buffer has no writer of its own).
  std::vector<size_t> gradientsRead;
  /// Indices into Plan::gradients that nothing reads and this instruction
  /// writes last: captured after it.
  std::vector<size_t> gradients;
  /// For collectives: the group, and its members' world ranks.
  CollectiveGroup group;
  std::vector<int> groupRanks;
  std::string axes;
  /// For the transfers of swapped tensors: the handle SwapTransfers gave.
  std::optional<unsigned> transfer;
};

std::string instructionPrefix(size_t index, const Instruction &inst) {
  return "instruction " + std::to_string(index) + " '" + inst.kernel + "': ";
}

std::string describeTensor(const Plan &plan, uint32_t index) {
  std::string text = "tensor " + std::to_string(index);
  if (!plan.tensors[index].name.empty())
    text += " '" + plan.tensors[index].name + "'";
  return text;
}

/// Explains which shape an inputs file must give a split input: the global
/// batch, or the unpadded data where the compiler padded it.
std::string describeGlobalInput(const Plan &plan, const TensorDesc &desc) {
  std::string split = "this rank's block " + typeString(desc) +
                      " times the sizes of the mesh axes that split it; "
                      "mesh " +
                      describeMesh(plan);
  std::vector<int64_t> global = globalShape(plan, desc);
  if (dataShape(plan, desc) == global)
    return "the global batch: " + split;
  return "the global batch before padding: the program pads it with zeros "
         "to " +
         typeString(desc.dtype, global) + ", which is " + split;
}

} // namespace

struct Executor::Impl {
  Plan plan;
  World *world = nullptr;
  int rank = 0;
  Device device;
  std::vector<int64_t> coordinates;
  /// Every allocation: host memory on the CPU, device memory (one ATen
  /// tensor each, from the caching allocator) on a GPU.
  std::vector<AlignedBuffer> hostBuffers;
  std::vector<at::Tensor> deviceBuffers;
  uint8_t *arena = nullptr;
  uint8_t *constants = nullptr;
  /// Start of every tensor's bytes (null for empty tensors).
  std::vector<uint8_t *> data;
  /// ATen view of every tensor whose dtype ATen knows.
  std::vector<at::Tensor> views;
  std::vector<CompiledInstruction> program;
  /// Gradients no instruction reads or writes: captured after the step.
  std::vector<size_t> lateGradients;
  llvm::StringMap<uint32_t> inputs;
  std::vector<bool> inputSet;
  bool hasParameters = false;
  bool weightsLoaded = false;
  bool captureGradients = false;
  std::vector<TensorCopy> captured;
  std::function<void(size_t)> hook;
  Executor::MemoryUse memoryUse;
  Executor::Timing timing;
  /// This rank's swap space and the plan's transfers, where the plan has
  /// swapped tensors (after the arena: gone before it).
  std::unique_ptr<SwapTransfers> transfers;

  llvm::Error allocateMemory();
  /// Allocates `bytes` zeroed bytes aligned to `alignment` on the device
  /// (host memory with `host`); null for zero bytes.
  llvm::Expected<uint8_t *> allocate(uint64_t bytes, uint64_t alignment,
                                     const Twine &what, bool host = false);
  /// Copies between host memory and the device's memory at `deviceData`
  /// (an earlier kernel's CUDA error surfaces here too).
  llvm::Error upload(uint8_t *deviceData, llvm::ArrayRef<uint8_t> bytes);
  llvm::Error download(const uint8_t *deviceData,
                       llvm::MutableArrayRef<uint8_t> bytes) const;
  /// The bytes the device's allocator holds now and at its peak since
  /// resetPeak: ATen's CPU allocator (AllocationCounter.h) or the GPU's
  /// caching allocator.
  uint64_t liveBytes() const;
  uint64_t peakBytes() const;
  void resetPeak() const;
  void createViews();
  llvm::Error compile(size_t index);
  llvm::Error resolveGroup(const Instruction &inst, CompiledInstruction &out);
  llvm::Error connectGroups();
  void assignGradients();
  llvm::Error capture(size_t gradient);
  /// The instructions of one step, in order.
  llvm::Error runStep();
  llvm::Error runInstruction(CompiledInstruction &compiled, size_t index);
};

/// The machine's physical memory in bytes, if known.
std::optional<uint64_t> physicalMemory() {
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0)
    return std::nullopt;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize);
}

llvm::Expected<uint8_t *> Executor::Impl::allocate(uint64_t bytes,
                                                   uint64_t alignment,
                                                   const Twine &what,
                                                   bool host) {
  if (bytes == 0)
    return nullptr;
  if (host || !device.isCuda()) {
    auto buffer = ::allocate(bytes, alignment, what);
    if (!buffer)
      return buffer.takeError();
    hostBuffers.push_back(std::move(*buffer));
    return hostBuffers.back().get();
  }
  // The caching allocator aligns its blocks to 512 bytes.
  if (alignment > 512)
    return llvm::createStringError("cannot align " + what + " to " +
                                   Twine(alignment) +
                                   " bytes in device memory (at most 512)");
  at::Tensor buffer =
      at::zeros({static_cast<int64_t>(bytes)},
                at::TensorOptions().dtype(at::kByte).device(
                    at::kCUDA, static_cast<c10::DeviceIndex>(device.index)));
  deviceBuffers.push_back(buffer);
  return static_cast<uint8_t *>(buffer.data_ptr());
}

/// A byte tensor over `bytes` at `data` on `device`.
static at::Tensor byteView(const uint8_t *data, size_t bytes,
                           const Device &device) {
  auto options = at::TensorOptions().dtype(at::kByte);
  if (device.isCuda())
    options =
        options.device(at::kCUDA, static_cast<c10::DeviceIndex>(device.index));
  return at::from_blob(const_cast<uint8_t *>(data),
                       {static_cast<int64_t>(bytes)}, options);
}

/// Runs `body`, which calls LibTorch and returns an llvm::Error, turning
/// LibTorch's exceptions into an error that says what failed first.
template <typename Body>
static llvm::Error catchTorchErrors(const Twine &what, Body body) {
  try {
    return body();
  } catch (const c10::Error &e) {
    return llvm::createStringError(
        what + ": " + StringRef(e.what_without_backtrace()).split('\n').first);
  } catch (const std::exception &e) {
    return llvm::createStringError(what + ": " +
                                   StringRef(e.what()).split('\n').first);
  }
}

llvm::Error Executor::Impl::upload(uint8_t *deviceData,
                                   llvm::ArrayRef<uint8_t> bytes) {
  if (bytes.empty())
    return llvm::Error::success();
  if (!device.isCuda()) {
    std::memcpy(deviceData, bytes.data(), bytes.size());
    return llvm::Error::success();
  }
  return catchTorchErrors("copying to " + device.name(), [&] {
    byteView(deviceData, bytes.size(), device)
        .copy_(byteView(bytes.data(), bytes.size(), Device()));
    return llvm::Error::success();
  });
}

llvm::Error
Executor::Impl::download(const uint8_t *deviceData,
                         llvm::MutableArrayRef<uint8_t> bytes) const {
  if (bytes.empty())
    return llvm::Error::success();
  if (!device.isCuda()) {
    std::memcpy(bytes.data(), deviceData, bytes.size());
    return llvm::Error::success();
  }
  return catchTorchErrors("copying from " + device.name(), [&] {
    byteView(bytes.data(), bytes.size(), Device())
        .copy_(byteView(deviceData, bytes.size(), device));
    return llvm::Error::success();
  });
}

uint64_t Executor::Impl::liveBytes() const {
  if (std::optional<DeviceMemoryStats> stats = deviceMemoryStats(device))
    return stats->allocatedBytes;
  return allocations::liveBytes();
}

uint64_t Executor::Impl::peakBytes() const {
  if (std::optional<DeviceMemoryStats> stats = deviceMemoryStats(device))
    return stats->peakAllocatedBytes;
  return allocations::peakBytes();
}

void Executor::Impl::resetPeak() const {
  if (device.isCuda())
    resetDevicePeak(device);
  else
    allocations::resetPeak();
}

llvm::Error Executor::Impl::allocateMemory() {
  // Offloaded tensors move between host memory or swap files and memory
  // that the host addresses; on a GPU that needs copy streams.
  if (device.isCuda())
    for (auto [index, desc] : llvm::enumerate(plan.tensors))
      if (desc.storage == Storage::Swapped || desc.storage == Storage::Host)
        return llvm::createStringError(
            describeTensor(plan, index) +
            " is offloaded (-ds-offload), which the CUDA runtime does not "
            "support yet: run this plan with --device cpu");
  // Refused up front: with overcommit, allocating more than the machine has
  // succeeds and zeroing it summons the OOM killer.
  uint64_t needed = llvm::SaturatingAdd(staticMemoryBytes(plan),
                                        storedBytes(plan, Storage::Host));
  if (std::optional<uint64_t> memory = physicalMemory();
      !device.isCuda() && memory && needed > *memory)
    return llvm::createStringError(
        "the plan needs " + Twine(needed) + " bytes of memory (arena " +
        Twine(plan.arenaBytes) + ", parameters, state, inputs and constants " +
        Twine(needed - plan.arenaBytes) + "); this machine has " +
        Twine(*memory));

  auto arenaBuffer =
      allocate(plan.arenaBytes, plan.arenaAlignment, "the arena");
  if (!arenaBuffer)
    return arenaBuffer.takeError();
  arena = *arenaBuffer;
  memoryUse.staticBytes += plan.arenaBytes;

  auto constantBuffer =
      allocate(plan.constants.size(), kMinAlignment, "the constants");
  if (!constantBuffer)
    return constantBuffer.takeError();
  constants = *constantBuffer;
  memoryUse.staticBytes += plan.constants.size();
  if (llvm::Error err = upload(constants, plan.constants))
    return err;

  data.assign(plan.tensors.size(), nullptr);
  for (auto [index, desc] : llvm::enumerate(plan.tensors)) {
    uint64_t bytes = desc.numBytes();
    switch (desc.storage) {
    case Storage::Arena:
      data[index] = bytes ? arena + desc.offset : nullptr;
      break;
    case Storage::Constant: {
      if (!desc.splat || !bytes) {
        data[index] = bytes ? constants + desc.offset : nullptr;
        break;
      }
      // A splat is written out once, at load.
      auto buffer = allocate(bytes, kMinAlignment, describeTensor(plan, index));
      if (!buffer)
        return buffer.takeError();
      memoryUse.staticBytes += bytes;
      data[index] = *buffer;
      size_t size = dtypeSize(desc.dtype);
      std::vector<uint8_t> splat(bytes);
      for (uint64_t at = 0; at < bytes; at += size)
        std::memcpy(splat.data() + at, plan.constants.data() + desc.offset,
                    size);
      if (llvm::Error err = upload(data[index], splat))
        return err;
      break;
    }
    case Storage::Swapped:
      break; // in a swap file (SwapTransfers)
    case Storage::Parameter:
    case Storage::State:
    case Storage::Input:
    case Storage::Host: {
      // Zero, as state starts; host memory is not the device's.
      bool host = desc.storage == Storage::Host;
      auto buffer =
          allocate(bytes, kMinAlignment, describeTensor(plan, index), host);
      if (!buffer)
        return buffer.takeError();
      (host ? memoryUse.hostBytes : memoryUse.staticBytes) += bytes;
      data[index] = *buffer;
      break;
    }
    }
  }
  return llvm::Error::success();
}

void Executor::Impl::createViews() {
  views.resize(plan.tensors.size());
  for (auto [index, desc] : llvm::enumerate(plan.tensors)) {
    std::optional<at::ScalarType> type = atenType(desc.dtype);
    if (!type || desc.storage == Storage::Swapped)
      continue;
    auto options = at::TensorOptions().dtype(*type);
    if (device.isCuda())
      options = options.device(at::kCUDA,
                               static_cast<c10::DeviceIndex>(device.index));
    if (data[index])
      views[index] = at::from_blob(data[index], desc.shape, options);
    else
      views[index] = at::empty(desc.shape, options);
  }
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
  for (uint32_t t : inst.operands)
    compiled.operands.push_back(views[t]);
  for (auto [pos, t] : llvm::enumerate(inst.results)) {
    Region region = regionOf(plan, t);
    const TensorDesc &desc = plan.tensors[t];
    for (size_t other = 0; other < pos; ++other)
      if (region.overlaps(regionOf(plan, inst.results[other])))
        return fail("results " + Twine(other) + " and " + Twine(pos) +
                    " share memory");
    bool stage = false;
    for (auto [operandPos, o] : llvm::enumerate(inst.operands)) {
      Region operandRegion = regionOf(plan, o);
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

llvm::Error Executor::Impl::capture(size_t gradient) {
  auto [param, grad] = plan.gradients[gradient];
  TensorCopy &copy = captured[gradient];
  const TensorDesc &desc = plan.tensors[grad];
  copy.name = plan.tensors[param].name;
  copy.dtype = desc.dtype;
  copy.shape = desc.shape;
  copy.bytes.resize(desc.numBytes());
  return download(data[grad], copy.bytes);
}

llvm::Error Executor::Impl::runInstruction(CompiledInstruction &compiled,
                                           size_t index) {
  auto fail = [&](const Twine &message) {
    return llvm::createStringError(instructionPrefix(index, *compiled.inst) +
                                   message);
  };
  if (compiled.transfer) {
    if (llvm::Error err = transfers->run(*compiled.transfer))
      return fail(llvm::toString(std::move(err)));
    return llvm::Error::success();
  }
  try {
    compiled.kernel->run(KernelArgs{*compiled.inst, compiled.operands,
                                    compiled.results, &compiled.group});
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
  return std::unique_ptr<Executor>(new Executor(std::move(impl)));
}

const Plan &Executor::plan() const { return impl->plan; }

llvm::StringRef Executor::swapNotice() const {
  return impl->transfers ? impl->transfers->notice() : "";
}

const TransferStats *Executor::transferStats() const {
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

llvm::Error Executor::loadWeights(const SafeTensorsFile &weights) {
  const Plan &plan = impl->plan;
  std::vector<std::pair<uint32_t, const TensorInfo *>> sources;
  for (uint32_t index : plan.parameterTensors()) {
    const TensorDesc &desc = plan.tensors[index];
    auto info = weights.expect(desc.name, desc.dtype, desc.parameterShape());
    if (!info)
      return info.takeError();
    sources.emplace_back(index, *info);
  }
  std::vector<uint8_t> staged;
  for (auto [index, info] : sources) {
    llvm::ArrayRef<uint8_t> bytes = weights.data(*info);
    const TensorDesc &desc = plan.tensors[index];
    // A swapped parameter is written to its file, and one in device memory
    // copied there, from a copy in host memory.
    bool swapped = desc.storage == Storage::Swapped;
    bool stage = swapped || impl->device.isCuda();
    if (stage)
      staged.resize(desc.numBytes());
    uint8_t *into = stage ? staged.data() : impl->data[index];
    // A piece is this rank's bytes of the flattened whole, zeros past its
    // end.
    if (desc.isParameterPiece()) {
      uint64_t pieceBytes = desc.numBytes();
      uint64_t start = std::min<uint64_t>(rank() * pieceBytes, bytes.size());
      bytes = bytes.slice(start).take_front(pieceBytes);
      std::memset(into, 0, pieceBytes);
    }
    // The file's data need not be aligned for the dtype: copy bytes.
    if (!bytes.empty())
      std::memcpy(into, bytes.data(), bytes.size());
    if (swapped) {
      if (llvm::Error err = impl->transfers->store(index, staged))
        return err;
    } else if (stage) {
      if (llvm::Error err = impl->upload(impl->data[index], staged))
        return err;
    }
  }
  impl->weightsLoaded = true;
  return llvm::Error::success();
}

llvm::Error Executor::loadInputs(const SafeTensorsFile &inputs) {
  const Plan &plan = impl->plan;
  std::vector<uint8_t> block;
  for (uint32_t index : plan.tensorsWith(Storage::Input)) {
    const TensorDesc &desc = plan.tensors[index];
    bool split = llvm::any_of(desc.shardAxes, [](int32_t a) { return a >= 0; });
    auto info = inputs.expect(desc.name, desc.dtype,
                              split ? dataShape(plan, desc) : desc.shape);
    if (!info) {
      if (!split)
        return info.takeError();
      return llvm::createStringError(llvm::toString(info.takeError()) + " (" +
                                     describeGlobalInput(plan, desc) + ")");
    }
    llvm::ArrayRef<uint8_t> bytes = inputs.data(**info);
    // The user's data, checked as it is read: a token id beyond the
    // embedding or a label beyond the classes would stop a kernel later.
    if (std::optional<uint64_t> bad = desc.firstRejected(bytes)) {
      size_t size = dtypeSize(desc.dtype);
      return llvm::createStringError(
          inputs.path() + ": byte offset " +
          Twine(inputs.fileOffset(**info) + *bad * size) + ": input '" +
          desc.name + "' holds " +
          Twine(loadInteger(desc.dtype, bytes.data() + *bad * size)) +
          " (element " + Twine(*bad) + "), outside " +
          desc.describeValidRange() + ", the values the model indexes with it");
    }
    if (split) {
      block.resize(desc.numBytes());
      copyLocalBlock(plan, desc, impl->coordinates, bytes, block);
      bytes = block;
    }
    if (llvm::Error err = setInput(desc.name, bytes))
      return err;
  }
  return llvm::Error::success();
}

llvm::Error Executor::setInput(StringRef name, llvm::ArrayRef<uint8_t> bytes) {
  auto it = impl->inputs.find(name);
  if (it == impl->inputs.end())
    return llvm::createStringError("the plan has no input '" + name + "'");
  uint32_t index = it->second;
  const TensorDesc &desc = impl->plan.tensors[index];
  if (bytes.size() != desc.numBytes())
    return llvm::createStringError("input '" + name + "' is " +
                                   typeString(desc) + " (" +
                                   Twine(desc.numBytes()) + " bytes), got " +
                                   Twine(bytes.size()) + " bytes");
  if (llvm::Error err = impl->upload(impl->data[index], bytes))
    return err;
  impl->inputSet[index] = true;
  return llvm::Error::success();
}

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
  return catchTorchErrors("running the step on " + impl->device.name(),
                          [&] { return impl->runStep(); });
}

llvm::Error Executor::Impl::runStep() {
  uint64_t before = liveBytes();
  uint64_t high = before;
  std::vector<uint64_t> &byInstruction = memoryUse.outsideArenaByInstruction;
  byInstruction.resize(program.size(), 0);
  std::vector<double> &seconds = timing.secondsByInstruction;
  seconds.resize(program.size(), 0);
  for (auto [index, compiled] : llvm::enumerate(program)) {
    if (captureGradients)
      for (size_t gradient : compiled.gradientsRead)
        if (llvm::Error err = capture(gradient))
          return err;
    uint64_t start = liveBytes();
    resetPeak();
    auto began = std::chrono::steady_clock::now();
    if (llvm::Error err = runInstruction(compiled, index)) {
      // Transfers still in flight would go on touching the arena.
      if (transfers)
        llvm::consumeError(transfers->abandon());
      return err;
    }
    // Transfers in flight move on between instructions.
    if (transfers && transfers->busy())
      if (llvm::Error err = transfers->poll()) {
        llvm::consumeError(transfers->abandon());
        return llvm::createStringError(
            "swap I/O after " + instructionPrefix(index, *compiled.inst) +
            llvm::toString(std::move(err)));
      }
    seconds[index] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
            .count();
    uint64_t peak = peakBytes();
    high = std::max(high, peak);
    byInstruction[index] =
        std::max(byInstruction[index], peak > start ? peak - start : 0);
    if (captureGradients)
      for (size_t gradient : compiled.gradients)
        if (llvm::Error err = capture(gradient))
          return err;
    if (hook)
      hook(index);
  }
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

double Executor::loss() const {
  return impl->views[impl->plan.loss].item<double>();
}

void Executor::setCaptureGradients(bool enabled) {
  impl->captureGradients = enabled;
}

llvm::ArrayRef<TensorCopy> Executor::capturedGradients() const {
  return impl->captured;
}

llvm::Expected<llvm::ArrayRef<uint8_t>>
Executor::readTensor(uint32_t index, std::vector<uint8_t> &scratch) const {
  const TensorDesc &desc = impl->plan.tensors[index];
  if (desc.storage == Storage::Swapped) {
    scratch.resize(desc.numBytes());
    if (llvm::Error err = impl->transfers->load(index, scratch))
      return std::move(err);
    return llvm::ArrayRef<uint8_t>(scratch);
  }
  if (!impl->device.isCuda() || desc.storage == Storage::Host)
    return tensorData(index);
  scratch.resize(desc.numBytes());
  if (llvm::Error err = impl->download(impl->data[index], scratch))
    return std::move(err);
  return llvm::ArrayRef<uint8_t>(scratch);
}

bool Executor::hasPieces() const {
  const Plan &plan = impl->plan;
  for (size_t i = 0, e = plan.gradients.size(); i < e; ++i)
    if (plan.isGradientPiece(i))
      return true;
  return llvm::any_of(plan.tensors, [](const TensorDesc &desc) {
    return desc.isParameterPiece();
  });
}

/// Makes `copy`, this rank's flat piece, the whole of the tensor of
/// `shape`: the pieces of every rank, in rank order, cut to its size.
static llvm::Error gatherPiece(World *world, TensorCopy &copy,
                               const std::vector<int64_t> &shape) {
  if (!world)
    return llvm::createStringError("'" + copy.name +
                                   "' is a piece, but there is one rank");
  TensorDesc whole{copy.name, copy.dtype, shape};
  std::vector<uint8_t> bytes(copy.bytes.size() * world->size());
  if (llvm::Error err = world->world().allGather(
          copy.bytes.data(), bytes.data(),
          copy.bytes.size() / dtypeSize(copy.dtype), copy.dtype))
    return err;
  bytes.resize(whole.numBytes());
  copy.bytes = std::move(bytes);
  copy.shape = shape;
  return llvm::Error::success();
}

llvm::Error Executor::addWholeParameters(SafeTensorsWriter *writer) const {
  std::vector<uint8_t> scratch;
  for (uint32_t index : impl->plan.parameterTensors()) {
    const TensorDesc &desc = impl->plan.tensors[index];
    auto bytes = readTensor(index, scratch);
    if (!bytes)
      return bytes.takeError();
    if (!desc.isParameterPiece()) {
      if (writer)
        writer->add(desc.name, desc.dtype, desc.shape, *bytes);
      continue;
    }
    TensorCopy copy{desc.name, desc.dtype, desc.shape,
                    std::vector<uint8_t>(bytes->begin(), bytes->end())};
    if (llvm::Error err = gatherPiece(impl->world, copy, desc.dataShape))
      return err;
    if (writer)
      writer->add(copy.name, copy.dtype, copy.shape, copy.bytes);
  }
  return llvm::Error::success();
}

llvm::Error
Executor::gatherGradientPieces(std::vector<TensorCopy> &gradients) const {
  const Plan &plan = impl->plan;
  for (auto [index, copy] : llvm::enumerate(gradients))
    if (plan.isGradientPiece(index))
      if (llvm::Error err = gatherPiece(
              impl->world, copy,
              plan.tensors[plan.gradients[index].first].parameterShape()))
        return err;
  return llvm::Error::success();
}

llvm::ArrayRef<uint8_t> Executor::tensorData(uint32_t index) const {
  return {impl->data[index],
          static_cast<size_t>(impl->plan.tensors[index].numBytes())};
}

llvm::MutableArrayRef<uint8_t> Executor::tensorData(uint32_t index) {
  return {impl->data[index],
          static_cast<size_t>(impl->plan.tensors[index].numBytes())};
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
