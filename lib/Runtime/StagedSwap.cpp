//===- StagedSwap.cpp - swap transfers through host buffers ---------------===//

#include "StagedSwap.h"

#include "llvm/ADT/STLExtras.h"

using namespace dsc::rt;
using namespace dsc::rt::exec;

StagedSwap::StagedSwap(SwapTransfers &transfers, CopyStream *copies,
                       at::Tensor allocation)
    : transfers(transfers), copies(copies), allocation(std::move(allocation)) {}

unsigned StagedSwap::compileStart(const Instruction &inst, TransferKind kind,
                                  SwapStaging::Region region,
                                  at::Tensor memory) {
  uint64_t bytes = static_cast<uint64_t>(memory.numel());
  at::Tensor staged = allocation.narrow(0, static_cast<int64_t>(region.offset),
                                        static_cast<int64_t>(bytes));
  Op op;
  op.kind = kind;
  op.transfer = transfers.compile(
      inst, kind, static_cast<uint8_t *>(staged.data_ptr()), nullptr, bytes);
  op.region = region;
  if (copies)
    op.copy = kind.write ? copies->compile(staged, memory)
                         : copies->compile(memory, staged);
  op.memory = std::move(memory);
  op.staged = std::move(staged);
  ops.push_back(std::move(op));
  return static_cast<unsigned>(ops.size() - 1);
}

unsigned StagedSwap::compileWait(const Instruction &inst, TransferKind kind,
                                 unsigned start) {
  Op op;
  op.kind = kind;
  op.transfer = transfers.compile(inst, kind, nullptr, nullptr, 0);
  op.region = ops[start].region;
  op.start = start;
  ops.push_back(std::move(op));
  return static_cast<unsigned>(ops.size() - 1);
}

void StagedSwap::release(SwapStaging::Region region) {
  llvm::erase_if(copyingOut, [&](unsigned reload) {
    const Op &op = ops[reload];
    if (!op.region.overlaps(region) && !copies->done(*op.copy))
      return false;
    copies->synchronize(*op.copy);
    return true;
  });
}

void StagedSwap::copy(Op &op) {
  if (!copies) {
    if (op.kind.write)
      op.staged.copy_(op.memory);
    else
      op.memory.copy_(op.staged);
    return;
  }
  copies->start(*op.copy);
  if (!op.kind.write) {
    // The kernels after the reload's wait read what it copies.
    copies->wait(*op.copy);
    copyingOut.push_back(static_cast<unsigned>(&op - ops.data()));
  }
}

llvm::Error StagedSwap::write(Op &op) {
  op.written = true;
  return transfers.run(op.transfer);
}

llvm::Error StagedSwap::run(unsigned index) {
  Op &op = ops[index];
  if (!op.kind.wait) {
    release(op.region);
    if (!op.kind.write)
      return transfers.run(op.transfer);
    op.written = false;
    copy(op);
    if (copies) {
      deferred.push_back(index);
      return llvm::Error::success();
    }
    return write(op);
  }
  Op &start = ops[op.start];
  if (!op.kind.write) {
    if (llvm::Error err = transfers.run(op.transfer))
      return err;
    copy(start);
    return llvm::Error::success();
  }
  if (!start.written) {
    // The copy into the buffer must be over before the disk reads it.
    copies->synchronize(*start.copy);
    llvm::erase(deferred, op.start);
    if (llvm::Error err = write(start))
      return err;
  }
  return transfers.run(op.transfer);
}

llvm::Error StagedSwap::poll() {
  for (auto it = deferred.begin(); it != deferred.end();) {
    Op &op = ops[*it];
    if (!copies->done(*op.copy)) {
      ++it;
      continue;
    }
    it = deferred.erase(it);
    if (llvm::Error err = write(op))
      return err;
  }
  return llvm::Error::success();
}
