//===- AllocationCounter.cpp - bytes ATen allocates outside the arena -----===//

#include "dsc/Runtime/AllocationCounter.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <atomic>
#include <mutex>

namespace {

std::atomic<uint64_t> live{0};
std::atomic<uint64_t> peak{0};

/// An allocation of the wrapped allocator and its size.
struct Allocation {
  c10::DataPtr inner;
  size_t bytes;
};

void release(void *context) {
  auto *allocation = static_cast<Allocation *>(context);
  live.fetch_sub(allocation->bytes, std::memory_order_relaxed);
  delete allocation; // frees through the wrapped allocator's deleter
}

class CountingAllocator final : public c10::Allocator {
public:
  explicit CountingAllocator(c10::Allocator *inner) : inner(inner) {}

  c10::DataPtr allocate(size_t bytes) override {
    c10::DataPtr data = inner->allocate(bytes);
    void *pointer = data.get();
    c10::Device device = data.device();
    auto *allocation = new Allocation{std::move(data), bytes};
    uint64_t now = live.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    uint64_t high = peak.load(std::memory_order_relaxed);
    while (now > high &&
           !peak.compare_exchange_weak(high, now, std::memory_order_relaxed))
      ;
    return c10::DataPtr(pointer, allocation, &release, device);
  }

  void copy_data(void *dest, const void *src, size_t count) const override {
    default_copy_data(dest, src, count);
  }

private:
  c10::Allocator *inner;
};

} // namespace

void dsc::rt::allocations::install() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Never destroyed: tensors may outlive main's locals.
    static auto *counter = new CountingAllocator(c10::GetCPUAllocator());
    c10::SetCPUAllocator(counter, /*priority=*/1);
  });
}

uint64_t dsc::rt::allocations::liveBytes() {
  return live.load(std::memory_order_relaxed);
}

uint64_t dsc::rt::allocations::peakBytes() {
  return peak.load(std::memory_order_relaxed);
}

void dsc::rt::allocations::resetPeak() {
  peak.store(live.load(std::memory_order_relaxed), std::memory_order_relaxed);
}
