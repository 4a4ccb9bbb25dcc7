//===- Calibration.cpp - measure this machine for the cost model ----------===//
//
// Each measurement repeats its kernel until half a second has passed and
// keeps the best of three rounds: the machines are shared, and the cost
// model wants what the hardware can do, not what a neighbour left over.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/Calibration.h"

#include <ATen/ATen.h>

#include <chrono>
#include <unistd.h>

namespace {

/// The best rate `work` units per second that `run` reaches.
template <typename Fn> double bestRate(double work, Fn run) {
  using Clock = std::chrono::steady_clock;
  run(); // warm up: page faults, thread pool start
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    int64_t repeats = 0;
    auto start = Clock::now();
    double seconds = 0;
    do {
      run();
      ++repeats;
      seconds = std::chrono::duration<double>(Clock::now() - start).count();
    } while (seconds < 0.5);
    best = std::max(best, work * repeats / seconds);
  }
  return best;
}

} // namespace

dsc::rt::Calibration dsc::rt::calibrate() {
  Calibration result;
  {
    const int64_t n = 1024;
    at::Tensor a = at::rand({n, n}), b = at::rand({n, n});
    at::Tensor c = at::empty({n, n});
    result.matmulFlops =
        bestRate(2.0 * n * n * n, [&] { at::mm_out(c, a, b); });
  }
  {
    // 64 KiB operands: in L2 on any machine this runs on.
    const int64_t n = 16384;
    at::Tensor a = at::rand({n}), b = at::rand({n}), c = at::empty({n});
    result.vectorFlops = bestRate(n, [&] { at::mul_out(c, a, b); });
  }
  {
    // 256 MiB: far beyond any cache.
    const int64_t n = 64ll << 20;
    at::Tensor a = at::rand({n}), b = at::empty({n});
    result.memoryBandwidth = bestRate(2.0 * n * 4, [&] { b.copy_(a); });
  }
  result.memoryBytes = static_cast<double>(sysconf(_SC_PHYS_PAGES)) *
                       static_cast<double>(sysconf(_SC_PAGESIZE));
  return result;
}
