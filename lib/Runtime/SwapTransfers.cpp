//===- SwapTransfers.cpp - a plan's reloads and offloads ------------------===//

#include "dsc/Runtime/SwapTransfers.h"

#include "dsc/Runtime/PlanMemory.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <chrono>
#include <cstring>

using namespace dsc::rt;

llvm::Expected<std::unique_ptr<SwapTransfers>>
SwapTransfers::open(const Plan &plan, int rank, const SwapOptions *options) {
  std::vector<uint32_t> swapped = plan.tensorsWith(Storage::Swapped);
  if (swapped.empty() && plan.tensorsWith(Storage::Host).empty())
    return nullptr;
  std::unique_ptr<SwapTransfers> transfers(new SwapTransfers());
  if (swapped.empty())
    return transfers;
  if (!options)
    return llvm::createStringError(
        "the plan keeps " + llvm::Twine(storedBytes(plan, Storage::Swapped)) +
        " bytes in swap files (" + llvm::Twine(swapped.size()) +
        " tensors, ds-compile --offload-* nvme): give ds-run "
        "--nvme-path DIR");
  SwapOptions rankOptions = *options;
  rankOptions.rank = rank;
  auto engine =
      SwapEngine::create(rankOptions, nullptr, &transfers->openNotice);
  if (!engine)
    return engine.takeError();
  transfers->engine = std::move(*engine);
  // Preallocated files read as zeros: the state's value at the first step
  // (parameters are loaded into theirs).
  for (uint32_t t : swapped) {
    auto file = transfers->engine->addTensor(plan.tensors[t].name,
                                             plan.tensors[t].numBytes());
    if (!file)
      return file.takeError();
    transfers->files[t] = *file;
    transfers->fileBytes.push_back(plan.tensors[t].numBytes());
  }
  transfers->pending.assign(swapped.size(), 0);
  return transfers;
}

unsigned SwapTransfers::compile(const Instruction &inst, TransferKind kind,
                                uint8_t *memory, uint8_t *host,
                                uint64_t bytes) {
  ops.push_back(Op{host ? 0 : files.lookup(kind.file(inst)), host, bytes,
                   memory, kind.write, kind.wait});
  return ops.size() - 1;
}

llvm::Error SwapTransfers::run(unsigned index) {
  const Op &op = ops[index];
  if (op.host && !op.wait) {
    // Host memory: copied at the start, over at the wait.
    std::memcpy(op.write ? op.host : op.memory, op.write ? op.memory : op.host,
                op.bytes);
    return llvm::Error::success();
  }
  std::lock_guard<std::mutex> guard(lock);
  if (op.host) {
    ++counters.waited, ++counters.completeAtWait;
    return llvm::Error::success();
  }
  SwapEngine::Ticket &ticket = pending[op.file];
  if (!op.wait) {
    auto started = op.write ? engine->write(op.file, op.memory)
                            : engine->read(op.file, op.memory);
    if (!started)
      return started.takeError();
    ticket = *started;
    ++inFlight;
    return llvm::Error::success();
  }
  ++counters.waited;
  if (engine->done(ticket))
    ++counters.completeAtWait;
  auto begin = std::chrono::steady_clock::now();
  llvm::Error err = engine->wait(ticket);
  counters.waitSeconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
          .count();
  ticket = 0;
  --inFlight;
  return err;
}

llvm::Error SwapTransfers::abandon() {
  std::lock_guard<std::mutex> guard(lock);
  std::fill(pending.begin(), pending.end(), 0);
  inFlight = 0;
  return engine ? engine->waitAll() : llvm::Error::success();
}

llvm::Error SwapTransfers::poll() {
  std::lock_guard<std::mutex> guard(lock);
  return engine ? engine->poll() : llvm::Error::success();
}

llvm::Error SwapTransfers::checkIdle(uint32_t tensor, uint64_t bytes) const {
  auto file = files.find(tensor);
  if (!engine || file == files.end() || busy() ||
      bytes != fileBytes[file->second])
    return llvm::createStringError(
        "internal error: tensor " + llvm::Twine(tensor) +
        " cannot be moved now (no swap file of that size, or a step's "
        "transfer in flight)");
  return llvm::Error::success();
}

llvm::Error SwapTransfers::store(uint32_t tensor,
                                 llvm::ArrayRef<uint8_t> bytes) {
  if (llvm::Error err = checkIdle(tensor, bytes.size()))
    return err;
  auto started = engine->write(files.lookup(tensor), bytes.data());
  return started ? engine->wait(*started) : started.takeError();
}

llvm::Error SwapTransfers::load(uint32_t tensor,
                                llvm::MutableArrayRef<uint8_t> bytes) {
  if (llvm::Error err = checkIdle(tensor, bytes.size()))
    return err;
  auto started = engine->read(files.lookup(tensor), bytes.data());
  return started ? engine->wait(*started) : started.takeError();
}
