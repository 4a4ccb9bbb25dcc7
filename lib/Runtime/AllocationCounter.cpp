//===- AllocationCounter.cpp - bytes ATen allocates outside the arena -----===//

#include "dsc/Runtime/AllocationCounter.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <atomic>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace {

std::atomic<uint64_t> live{0};
std::atomic<uint64_t> peak{0};

/// The wrapped allocator's allocations by address: ATen's raw_allocate
/// requires a DataPtr whose context is its data, so the context cannot
/// point to a record of our own.
struct Allocations {
  std::mutex mutex;
  std::unordered_map<void *, std::pair<c10::DataPtr, size_t>> byAddress;
};
Allocations &allocationTable() {
  static auto *table = new Allocations; // outlives every tensor
  return *table;
}

void release(void *pointer) {
  std::pair<c10::DataPtr, size_t> allocation;
  {
    Allocations &table = allocationTable();
    std::lock_guard<std::mutex> lock(table.mutex);
    auto it = table.byAddress.find(pointer);
    if (it == table.byAddress.end())
      return;
    allocation = std::move(it->second);
    table.byAddress.erase(it);
  }
  live.fetch_sub(allocation.second, std::memory_order_relaxed);
  // `allocation.first` frees through the wrapped allocator as it goes.
}

class CountingAllocator final : public c10::Allocator {
public:
  explicit CountingAllocator(c10::Allocator *inner) : inner(inner) {}

  c10::DataPtr allocate(size_t bytes) override {
    c10::DataPtr data = inner->allocate(bytes);
    void *pointer = data.get();
    if (!pointer)
      return data;
    c10::Device device = data.device();
    {
      Allocations &table = allocationTable();
      std::lock_guard<std::mutex> lock(table.mutex);
      table.byAddress[pointer] = {std::move(data), bytes};
    }
    uint64_t now = live.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    uint64_t high = peak.load(std::memory_order_relaxed);
    while (now > high &&
           !peak.compare_exchange_weak(high, now, std::memory_order_relaxed))
      ;
    return c10::DataPtr(pointer, pointer, &release, device);
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

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
