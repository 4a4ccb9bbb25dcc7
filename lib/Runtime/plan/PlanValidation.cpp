//===- PlanValidation.cpp - validatePlan ----------------------------------===//
//
// Everything a plan must satisfy before the executor touches it: a mesh the
// runtime can form, tensors whose types, storages, shardings and offsets fit
// the arena and the constants, instructions that name existing tensors, and
// outputs (loss, gradients) of matching types. Errors name the tensor or
// instruction.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/DType.h"
#include "dsc/Runtime/Plan.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

using namespace dsc::rt;
using llvm::StringRef;
using llvm::Twine;

namespace {

bool isKnownStorage(Storage storage) {
  return static_cast<uint8_t>(storage) <= static_cast<uint8_t>(Storage::Host);
}

bool isFloat(DType dtype) {
  return dtype == DType::F64 || dtype == DType::F32 || dtype == DType::F16 ||
         dtype == DType::BF16;
}

/// Names tensor `index` in messages: `tensor 3 'fc.weight'`.
std::string describeTensor(const Plan &plan, uint32_t index) {
  std::string text = "tensor " + std::to_string(index);
  if (index < plan.tensors.size() && !plan.tensors[index].name.empty())
    text += " '" + plan.tensors[index].name + "'";
  return text;
}

llvm::Error tensorError(const Plan &plan, uint32_t index,
                        const Twine &message) {
  return llvm::createStringError(describeTensor(plan, index) + ": " + message);
}

llvm::Error instructionError(size_t index, const Instruction &inst,
                             const Twine &message) {
  return llvm::createStringError("instruction " + Twine(index) + " '" +
                                 inst.kernel + "': " + message);
}

/// Checks the mesh: named axes, distinct, each of size at least 1, and a
/// rank count that fits the runtime's `int` ranks.
llvm::Error validateMesh(const Plan &plan) {
  std::set<std::string> names;
  int64_t ranks = 1;
  for (auto [index, axis] : llvm::enumerate(plan.mesh)) {
    const auto &[name, size] = axis;
    auto fail = [&](const Twine &message) {
      return llvm::createStringError("mesh axis " + Twine(index) + ": " +
                                     message);
    };
    if (name.empty())
      return fail("empty name");
    if (!names.insert(name).second)
      return fail("duplicate name '" + name + "'");
    if (size < 1)
      return fail("'" + name + "' has size " + Twine(size) +
                  ", expected at least 1");
    if (llvm::MulOverflow(ranks, size, ranks) ||
        ranks > std::numeric_limits<int32_t>::max())
      return fail("the mesh has more than 2^31-1 ranks");
  }
  return llvm::Error::success();
}

/// Checks `shardAxes`: only on inputs, one entry per dimension, each -1 or
/// a mesh axis that splits no other dimension of the tensor.
llvm::Error validateShardAxes(const Plan &plan, uint32_t index) {
  const TensorDesc &desc = plan.tensors[index];
  if (desc.shardAxes.empty())
    return llvm::Error::success();
  auto fail = [&](const Twine &message) {
    return tensorError(plan, index, message);
  };
  if (desc.storage != Storage::Input)
    return fail("only input tensors can be split over the mesh, this one is " +
                storageName(desc.storage));
  if (desc.shardAxes.size() != desc.shape.size())
    return fail("shard axes have " + Twine(desc.shardAxes.size()) +
                " entries for rank " + Twine(desc.shape.size()));
  std::set<int32_t> used;
  for (auto [dim, axis] : llvm::enumerate(desc.shardAxes)) {
    if (axis == -1)
      continue;
    if (axis < 0 || static_cast<size_t>(axis) >= plan.mesh.size())
      return fail("dimension " + Twine(dim) + " is split over mesh axis " +
                  Twine(axis) + ", but the mesh has " +
                  Twine(plan.mesh.size()) + " axes");
    if (!used.insert(axis).second)
      return fail("mesh axis '" + plan.mesh[axis].first +
                  "' splits two dimensions");
  }
  return llvm::Error::success();
}

/// Checks `validRange`: only on integer inputs, [lo, hi] or [lo, hi, also]
/// with lo <= hi.
llvm::Error validateValidRange(const Plan &plan, uint32_t index) {
  const TensorDesc &desc = plan.tensors[index];
  if (desc.validRange.empty())
    return llvm::Error::success();
  if (desc.storage != Storage::Input || !isIntegerDType(desc.dtype))
    return tensorError(plan, index,
                       "only integer inputs can have a valid range");
  if ((desc.validRange.size() != 2 && desc.validRange.size() != 3) ||
      desc.validRange[0] > desc.validRange[1])
    return tensorError(plan, index,
                       "valid range must be [lo, hi] or [lo, hi, also] with "
                       "lo <= hi");
  return llvm::Error::success();
}

/// Checks a parameter's or a copy's `dataShape` (its whole shape, the
/// tensor being this rank's flat piece): several ranks, no shard axes, whole
/// size in bounds, and the tensor [ceil(numel / ranks)].
llvm::Error validatePieceShape(const Plan &plan, uint32_t index) {
  const TensorDesc &desc = plan.tensors[index];
  TensorDesc whole = desc;
  whole.shape = desc.dataShape;
  int64_t numel = whole.numElements();
  int64_t ranks = plan.numRanks();
  if (ranks < 2 || !desc.shardAxes.empty() || numel < 0 ||
      whole.numBytes() == UINT64_MAX)
    return tensorError(plan, index,
                       "a parameter piece needs a mesh of several ranks, no "
                       "shard axes and a whole shape of valid size");
  std::vector<int64_t> piece = {numel / ranks + (numel % ranks != 0)};
  if (desc.shape != piece)
    return tensorError(plan, index,
                       "is a piece of " + formatType(whole) + " on " +
                           Twine(ranks) + " ranks, so it must have shape [" +
                           Twine(piece[0]) + "]");
  return llvm::Error::success();
}

/// Checks `dataShape` once the shard axes are known to be valid: only on
/// inputs, one entry per dimension, each between 0 and the padded global
/// size, and smaller than it only where the mesh splits the dimension.
llvm::Error validateDataShape(const Plan &plan, uint32_t index) {
  const TensorDesc &desc = plan.tensors[index];
  if (desc.dataShape.empty())
    return llvm::Error::success();
  auto fail = [&](const Twine &message) {
    return tensorError(plan, index, message);
  };
  if (desc.isLoaded())
    return validatePieceShape(plan, index);
  if (desc.storage != Storage::Input)
    return fail("only inputs, parameters and their copies can have a data "
                "shape, this one is " +
                storageName(desc.storage));
  if (desc.dataShape.size() != desc.shape.size())
    return fail("data shape has " + Twine(desc.dataShape.size()) +
                " entries for rank " + Twine(desc.shape.size()));
  for (auto [dim, size] : llvm::enumerate(desc.dataShape)) {
    int32_t axis = desc.shardAxes.empty() ? -1 : desc.shardAxes[dim];
    // A global size beyond int64_t bounds no data size.
    int64_t global = desc.shape[dim];
    if (axis >= 0 && llvm::MulOverflow(global, plan.mesh[axis].second, global))
      global = std::numeric_limits<int64_t>::max();
    if (size < 0)
      return fail("data shape dimension " + Twine(dim) + " is " + Twine(size) +
                  ", negative");
    if (axis < 0 && size != global)
      return fail("data shape dimension " + Twine(dim) + " is " + Twine(size) +
                  ", but only a dimension split over the mesh can be padded "
                  "and this one has size " +
                  Twine(global));
    if (size > global)
      return fail("data shape dimension " + Twine(dim) + " is " + Twine(size) +
                  ", beyond the padded global size " + Twine(global));
  }
  return llvm::Error::success();
}

/// Checks one tensor on its own: dtype, storage, shape, size and range.
llvm::Error validateTensor(const Plan &plan, uint32_t index) {
  const TensorDesc &desc = plan.tensors[index];
  auto fail = [&](const Twine &message) {
    return tensorError(plan, index, message);
  };
  if (!isKnownDType(desc.dtype))
    return fail("unknown dtype " + Twine(static_cast<unsigned>(desc.dtype)));
  if (!isKnownStorage(desc.storage))
    return fail("unknown storage " +
                Twine(static_cast<unsigned>(desc.storage)));
  for (int64_t dim : desc.shape)
    if (dim < 0)
      return fail("negative dimension " + Twine(dim) + " in shape " +
                  formatType(desc));
  uint64_t bytes = desc.numBytes();
  if (bytes == std::numeric_limits<uint64_t>::max())
    return fail("byte size of " + formatType(desc) + " overflows");

  if (desc.parameter && !isOffloaded(desc.storage))
    return fail("only offloaded tensors (swap, host) carry the parameter "
                "flag, this one is " +
                storageName(desc.storage));
  if (!desc.copyOf.empty() &&
      (desc.isParameter() || isIntegerDType(desc.dtype) ||
       (desc.storage != Storage::State && !isOffloaded(desc.storage))))
    return fail("only floating-point optimizer state can start as a copy of "
                "a parameter, this one is " +
                storageName(desc.storage));
  if (desc.splat && desc.storage != Storage::Constant)
    return fail("only constants can be splats, this one is " +
                storageName(desc.storage));
  uint64_t stored = desc.storedBytes();
  uint64_t end;
  bool overflow = __builtin_add_overflow(desc.offset, stored, &end);
  std::string range = "bytes [" + std::to_string(desc.offset) + ", +" +
                      std::to_string(stored) + ")";
  switch (desc.storage) {
  case Storage::Arena:
    if (desc.offset % plan.arenaAlignment != 0)
      return fail("arena offset " + Twine(desc.offset) +
                  " is not a multiple of the alignment " +
                  Twine(plan.arenaAlignment));
    if (overflow || end > plan.arenaBytes)
      return fail("arena " + range + " exceed the arena (" +
                  Twine(plan.arenaBytes) + " bytes)");
    break;
  case Storage::Constant:
    if (overflow || end > plan.constants.size())
      return fail("constant " + range + " exceed the constant section (" +
                  Twine(plan.constants.size()) + " bytes)");
    break;
  case Storage::Parameter:
  case Storage::State:
  case Storage::Input:
  case Storage::Swapped:
  case Storage::Host:
    if (desc.name.empty())
      return fail(storageName(desc.storage) + " tensors need a name");
    if (desc.offset != 0)
      return fail(storageName(desc.storage) + " tensors have offset 0, got " +
                  Twine(desc.offset));
    break;
  }
  if (llvm::Error err = validateShardAxes(plan, index))
    return err;
  if (llvm::Error err = validateValidRange(plan, index))
    return err;
  return validateDataShape(plan, index);
}

/// Checks that each copy of a parameter names one, of its dtype and its
/// whole shape: it is loaded from that parameter's weights.
llvm::Error validateCopies(const Plan &plan) {
  std::map<std::string, uint32_t> parameters;
  for (uint32_t index : plan.parameterTensors())
    parameters[plan.tensors[index].name] = index;
  for (auto [index, desc] : llvm::enumerate(plan.tensors)) {
    if (desc.copyOf.empty())
      continue;
    auto it = parameters.find(desc.copyOf);
    if (it == parameters.end())
      return tensorError(plan, index,
                         "is a copy of '" + desc.copyOf +
                             "', which is no parameter of the plan");
    const TensorDesc &param = plan.tensors[it->second];
    if (param.dtype != desc.dtype ||
        param.parameterShape() != desc.weightsShape())
      return tensorError(plan, index,
                         "is a copy of " + describeTensor(plan, it->second) +
                             " but has another dtype or whole shape");
  }
  return llvm::Error::success();
}

llvm::Error validateTensors(const Plan &plan) {
  if (plan.tensors.size() > std::numeric_limits<uint32_t>::max())
    return llvm::createStringError("the plan has " +
                                   Twine(plan.tensors.size()) +
                                   " tensors; indices are 32-bit");
  // Names must be unique per storage class: a parameter and its optimizer
  // state may share a stem, but two parameters cannot share a name.
  std::set<std::pair<Storage, std::string>> names;
  for (uint32_t i = 0, e = plan.tensors.size(); i < e; ++i) {
    if (llvm::Error err = validateTensor(plan, i))
      return err;
    const TensorDesc &desc = plan.tensors[i];
    // Offloaded parameters share the parameters' names.
    Storage kind = desc.isParameter() ? Storage::Parameter : desc.storage;
    if (desc.storage != Storage::Arena && desc.storage != Storage::Constant &&
        !names.insert({kind, desc.name}).second)
      return tensorError(plan, i,
                         "duplicate " + storageName(desc.storage) + " name");
  }
  return validateCopies(plan);
}

/// Where a kernel's tensors are: a kernel that touches host memory runs on
/// the host (an optimizer update there, -ds-host-updates), so all it reads
/// and writes is in host memory but for one-element integer operands in
/// device memory (a step count), which it reads on the host. Nothing but
/// reload and offload touches a swap file.
llvm::Error validateKernelMemory(const Plan &plan, const Instruction &inst) {
  auto isIn = [&](uint32_t t, Storage storage) {
    return plan.tensors[t].storage == storage;
  };
  auto all = llvm::concat<const uint32_t>(inst.operands, inst.results);
  for (uint32_t t : all)
    if (isIn(t, Storage::Swapped))
      return llvm::createStringError(
          "touches " + describeTensor(plan, t) +
          ", which is in a swap file (only reload, offload and their waits "
          "may)");
  auto host =
      llvm::find_if(all, [&](uint32_t t) { return isIn(t, Storage::Host); });
  if (host == all.end())
    return llvm::Error::success();
  auto hostScalar = [&](uint32_t t) {
    const TensorDesc &desc = plan.tensors[t];
    return isIntegerDType(desc.dtype) && desc.numElements() == 1;
  };
  for (uint32_t t : inst.operands)
    if (!isIn(t, Storage::Host) && !hostScalar(t))
      return llvm::createStringError(
          "runs on the host (it touches " + describeTensor(plan, *host) +
          ", in host memory) but reads " + describeTensor(plan, t) +
          ", which is not (only one-element integers may be)");
  for (uint32_t t : inst.results)
    if (!isIn(t, Storage::Host))
      return llvm::createStringError(
          "runs on the host (it touches " + describeTensor(plan, *host) +
          ", in host memory) but writes " + describeTensor(plan, t) +
          ", which is not in host memory");
  return llvm::Error::success();
}

llvm::Error validateInstructions(const Plan &plan) {
  for (size_t index = 0, e = plan.instructions.size(); index < e; ++index) {
    const Instruction &inst = plan.instructions[index];
    auto fail = [&](const Twine &message) {
      return instructionError(index, inst, message);
    };
    if (inst.kernel.empty())
      return fail("empty kernel name");
    for (auto [pos, operand] : llvm::enumerate(inst.operands))
      if (operand >= plan.tensors.size())
        return fail("operand " + Twine(pos) + " is tensor " + Twine(operand) +
                    ", but the plan has " + Twine(plan.tensors.size()) +
                    " tensors");
    for (auto [pos, result] : llvm::enumerate(inst.results)) {
      if (result >= plan.tensors.size())
        return fail("result " + Twine(pos) + " is tensor " + Twine(result) +
                    ", but the plan has " + Twine(plan.tensors.size()) +
                    " tensors");
      Storage storage = plan.tensors[result].storage;
      if (storage == Storage::Constant || storage == Storage::Input)
        return fail("result " + Twine(pos) + " writes " +
                    describeTensor(plan, result) + ", which is " +
                    storageName(storage) + " (read-only)");
    }
    // An offloaded tensor (in a swap file or host memory) is not in
    // device memory: only reload reads it and only offload writes it, one
    // to one with a tensor in memory.
    auto swapped = [&](uint32_t t) {
      return isOffloaded(plan.tensors[t].storage);
    };
    if (std::optional<TransferKind> transfer = transferKind(inst.kernel)) {
      if (inst.operands.size() != 1 || inst.results.size() != 1)
        return fail("expected 1 operand and 1 result");
      uint32_t file = transfer->file(inst);
      uint32_t memory = transfer->memory(inst);
      if (!swapped(file) || swapped(memory))
        return fail(Twine(transfer->write ? "writes" : "reads") +
                    " an offloaded tensor from or to memory: operand and "
                    "result must be one of each");
      if (plan.tensors[file].dtype != plan.tensors[memory].dtype ||
          plan.tensors[file].shape != plan.tensors[memory].shape)
        return fail("the offloaded tensor and the tensor in memory differ in "
                    "type");
    } else if (llvm::Error err = validateKernelMemory(plan, inst)) {
      return fail(llvm::toString(std::move(err)));
    }
    for (const auto &attr : inst.attrs)
      if (attr.first.empty())
        return fail("attribute with an empty name");
  }
  return llvm::Error::success();
}

/// Whether two tensors share bytes: the same tensor, or overlapping arena
/// ranges.
bool overlap(const Plan &plan, uint32_t a, uint32_t b) {
  if (a == b)
    return true;
  const TensorDesc &x = plan.tensors[a], &y = plan.tensors[b];
  return x.storage == Storage::Arena && y.storage == Storage::Arena &&
         x.offset < y.offset + y.storedBytes() &&
         y.offset < x.offset + x.storedBytes() && x.storedBytes() > 0 &&
         y.storedBytes() > 0;
}

/// Every transfer of a swapped tensor (reload, offload) ends at its wait
/// (reload_wait, offload_wait: same operand and result) before the step
/// ends and before the tensor's next transfer starts, and in between no
/// instruction reads or writes a reload's memory nor writes an offload's:
/// the engine is moving those bytes. An offloaded parameter is not read
/// after its new value is written.
llvm::Error validateTransfers(const Plan &plan) {
  struct InFlight {
    size_t start;
    uint32_t memory;
    bool write;
  };
  std::map<uint32_t, InFlight> inFlight;
  // Offloaded tensor -> the first instruction that writes it.
  std::map<uint32_t, size_t> written;
  for (size_t index = 0, e = plan.instructions.size(); index < e; ++index) {
    const Instruction &inst = plan.instructions[index];
    auto fail = [&](const Twine &message) {
      return instructionError(index, inst, message);
    };
    if (std::optional<TransferKind> transfer = transferKind(inst.kernel)) {
      bool write = transfer->write, wait = transfer->wait;
      uint32_t file = transfer->file(inst);
      uint32_t memory = transfer->memory(inst);
      auto it = inFlight.find(file);
      // A parameter's file holds the step's parameter until the update's
      // offload writes the next step's: nothing reads it after that.
      if (!wait && !write && written.count(file) &&
          plan.tensors[file].parameter)
        return fail("reads " + describeTensor(plan, file) +
                    " after instruction " + Twine(written[file]) +
                    " wrote its new value");
      if (!wait && write)
        written.emplace(file, index);
      if (!wait) {
        if (it != inFlight.end())
          return fail("starts a transfer of " + describeTensor(plan, file) +
                      " while the one instruction " + Twine(it->second.start) +
                      " started is in flight");
        // Two transfers may share memory only when both read it (writes to
        // their files).
        for (const auto &[other, transfer] : inFlight)
          if ((!write || !transfer.write) &&
              overlap(plan, memory, transfer.memory))
            return fail(
                "uses the memory of " + describeTensor(plan, transfer.memory) +
                ", which the transfer of " + describeTensor(plan, other) +
                " started at instruction " + Twine(transfer.start) +
                " is still using");
        inFlight[file] = {index, memory, write};
        continue;
      }
      if (it == inFlight.end() || it->second.write != write ||
          it->second.memory != memory)
        return fail("waits for a " + Twine(write ? "write" : "read") + " of " +
                    describeTensor(plan, file) +
                    " that no earlier instruction started");
      inFlight.erase(it);
      continue;
    }
    for (const auto &[file, transfer] : inFlight) {
      auto touches = [&](llvm::ArrayRef<uint32_t> tensors) {
        return llvm::any_of(tensors, [&](uint32_t t) {
          return overlap(plan, t, transfer.memory);
        });
      };
      if (touches(inst.results) || (!transfer.write && touches(inst.operands)))
        return fail(Twine(touches(inst.results) ? "writes" : "reads") +
                    " the memory of " + describeTensor(plan, transfer.memory) +
                    ", which the transfer of " + describeTensor(plan, file) +
                    " started at instruction " + Twine(transfer.start) +
                    " is still using");
    }
  }
  if (!inFlight.empty()) {
    const auto &[file, transfer] = *inFlight.begin();
    return instructionError(transfer.start, plan.instructions[transfer.start],
                            "the transfer of " + describeTensor(plan, file) +
                                " is never waited for (reload_wait or "
                                "offload_wait)");
  }
  return llvm::Error::success();
}

/// The arena bytes written so far: disjoint, non-adjacent [start, end).
class WrittenBytes {
public:
  void insert(uint64_t start, uint64_t end) {
    auto it = ranges.upper_bound(start);
    if (it != ranges.begin() && std::prev(it)->second >= start) {
      --it;
      start = it->first;
      end = std::max(end, it->second);
      it = ranges.erase(it);
    }
    for (; it != ranges.end() && it->first <= end; it = ranges.erase(it))
      end = std::max(end, it->second);
    ranges[start] = end;
  }
  bool covers(uint64_t start, uint64_t end) const {
    auto it = ranges.upper_bound(start);
    return it != ranges.begin() && std::prev(it)->second >= end;
  }

private:
  std::map<uint64_t, uint64_t> ranges;
};

/// Every arena tensor an instruction reads, and the loss and gradients,
/// lie in bytes that an earlier instruction of the step wrote: a plan with
/// an instruction deleted or moved before its producer reads garbage.
/// (Views share their source's bytes; reuse of a slot can hide a change,
/// so this is a check of plausibility, not a proof.)
llvm::Error validateDataFlow(const Plan &plan) {
  WrittenBytes written;
  auto isWritten = [&](uint32_t t) {
    const TensorDesc &desc = plan.tensors[t];
    uint64_t bytes = desc.numBytes();
    return desc.storage != Storage::Arena || bytes == 0 ||
           written.covers(desc.offset, desc.offset + bytes);
  };
  for (size_t index = 0, e = plan.instructions.size(); index < e; ++index) {
    const Instruction &inst = plan.instructions[index];
    for (auto [pos, operand] : llvm::enumerate(inst.operands))
      if (!isWritten(operand))
        return instructionError(index, inst,
                                "operand " + Twine(pos) + " reads " +
                                    describeTensor(plan, operand) +
                                    ", which no earlier instruction writes");
    for (uint32_t result : inst.results) {
      const TensorDesc &desc = plan.tensors[result];
      if (desc.storage == Storage::Arena)
        written.insert(desc.offset, desc.offset + desc.numBytes());
    }
  }
  if (!isWritten(plan.loss))
    return tensorError(plan, plan.loss,
                       "the loss is never written by an instruction");
  for (auto [param, grad] : plan.gradients)
    if (!isWritten(grad))
      return tensorError(plan, grad,
                         "the gradient is never written by an instruction");
  return llvm::Error::success();
}

llvm::Error validateOutputs(const Plan &plan) {
  if (plan.loss >= plan.tensors.size())
    return llvm::createStringError("loss is tensor " + Twine(plan.loss) +
                                   ", but the plan has " +
                                   Twine(plan.tensors.size()) + " tensors");
  const TensorDesc &loss = plan.tensors[plan.loss];
  if (!loss.shape.empty() || !isFloat(loss.dtype))
    return tensorError(plan, plan.loss,
                       "the loss must be a 0-d float tensor, got " +
                           formatType(loss));

  std::set<uint32_t> params;
  for (size_t index = 0, e = plan.gradients.size(); index < e; ++index) {
    uint32_t param = plan.gradients[index].first;
    uint32_t grad = plan.gradients[index].second;
    auto fail = [&](const Twine &message) {
      return llvm::createStringError("gradient " + Twine(index) + ": " +
                                     message);
    };
    if (param >= plan.tensors.size() || grad >= plan.tensors.size())
      return fail("tensor " + Twine(std::max(param, grad)) +
                  " out of range (the plan has " + Twine(plan.tensors.size()) +
                  " tensors)");
    const TensorDesc &p = plan.tensors[param];
    const TensorDesc &g = plan.tensors[grad];
    if (!p.isParameter())
      return fail(describeTensor(plan, param) + " is " +
                  storageName(p.storage) + ", not a parameter");
    if (!params.insert(param).second)
      return fail(describeTensor(plan, param) + " has two gradients");
    // Whole, or this rank's flat piece where ZeRO shards the gradients.
    int64_t ranks = plan.numRanks();
    int64_t numel = p.numElements();
    bool piece = ranks > 1 && numel >= 0 && g.shape.size() == 1 &&
                 g.shape[0] == numel / ranks + (numel % ranks != 0);
    if (p.dtype != g.dtype || (p.shape != g.shape && !piece)) {
      TensorDesc expected = p;
      expected.shape = {numel / ranks + (numel % ranks != 0)};
      return fail(describeTensor(plan, grad) + " is " + formatType(g) +
                  " but " + describeTensor(plan, param) + " is " +
                  formatType(p) +
                  (ranks > 1 && numel >= 0 && p.dtype == g.dtype
                       ? " (a piece on " + Twine(ranks) + " ranks is " +
                             formatType(expected) + ")"
                       : Twine()));
    }
  }
  return llvm::Error::success();
}

} // namespace

//===----------------------------------------------------------------------===//
// validatePlan
//===----------------------------------------------------------------------===//

llvm::Error dsc::rt::validatePlan(const Plan &plan) {
  if (!llvm::isPowerOf2_64(plan.arenaAlignment))
    return llvm::createStringError("arena alignment " +
                                   Twine(plan.arenaAlignment) +
                                   " is not a power of two");
  if (llvm::Error err = validateMesh(plan))
    return err;
  if (llvm::Error err = validateTensors(plan))
    return err;
  if (llvm::Error err = validateInstructions(plan))
    return err;
  if (llvm::Error err = validateTransfers(plan))
    return err;
  if (llvm::Error err = validateOutputs(plan))
    return err;
  if (llvm::Error err = validateDataFlow(plan))
    return err;
  for (const auto &entry : plan.metadata)
    if (entry.first.empty())
      return llvm::createStringError("metadata entry with an empty key");
  return llvm::Error::success();
}
