//===- CopyStream.cpp - host transfers beside the compute on a GPU --------===//

#include "CopyStream.h"

#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

using namespace dsc::rt;
using namespace dsc::rt::exec;

namespace {

c10::Device torchDevice(const Device &device) {
  return c10::Device(c10::DeviceType::CUDA,
                     static_cast<c10::DeviceIndex>(device.index));
}

} // namespace

CopyStream::CopyStream(const Device &device)
    : compute(c10::impl::VirtualGuardImpl(c10::DeviceType::CUDA)
                  .getStream(torchDevice(device))),
      copy(c10::impl::VirtualGuardImpl(c10::DeviceType::CUDA)
               .getStreamFromGlobalPool(torchDevice(device))),
      ready(c10::DeviceType::CUDA) {}

CopyStream::~CopyStream() {
  try {
    synchronize();
  } catch (...) {
    // A device error already surfaced (or will) at the step.
  }
}

unsigned CopyStream::compile(at::Tensor dest, at::Tensor source) {
  ops.push_back(Op{std::move(dest), std::move(source),
                   c10::Event(c10::DeviceType::CUDA)});
  return static_cast<unsigned>(ops.size() - 1);
}

void CopyStream::start(unsigned op) {
  std::lock_guard<std::mutex> lock(mutex);
  Op &entry = ops[op];
  // What the kernels before the start read or write of the destination
  // (bytes the arena reuses) or wrote of the source is done first.
  ready.record(compute);
  ready.block(copy);
  {
    c10::StreamGuard onCopy(copy);
    entry.dest.copy_(entry.source, /*non_blocking=*/true);
  }
  entry.done.record(copy);
}

void CopyStream::wait(unsigned op) {
  std::lock_guard<std::mutex> lock(mutex);
  Op &entry = ops[op];
  ++counts.waited;
  counts.completeAtWait += entry.done.query();
  entry.done.block(compute);
}

bool CopyStream::done(unsigned op) { return ops[op].done.query(); }

void CopyStream::synchronize(unsigned op) { ops[op].done.synchronize(); }

void CopyStream::synchronize() { copy.synchronize(); }
