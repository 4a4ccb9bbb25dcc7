//===- swap_bench.cpp - the swap engine's sequential bandwidth ------------===//
//
// Writes one tensor of --size bytes to a swap file under --dir and reads it
// back through SwapEngine (io_uring, O_DIRECT, --block bytes per request,
// --depth in flight), --repeat times, and prints the best write and read
// bandwidth as JSON. bench/swap.py runs it next to fio with the same block
// size and queue depth on the same disk.
//
//===----------------------------------------------------------------------===//

#include "dsc/Runtime/SwapEngine.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

using namespace llvm;

static cl::opt<std::string> dirOpt("dir", cl::desc("Directory to swap under"),
                                   cl::Required);
static cl::opt<uint64_t> sizeOpt("size", cl::desc("Tensor bytes"),
                                 cl::init(256ull << 20));
static cl::opt<uint64_t> blockOpt("block", cl::desc("Bytes per request"),
                                  cl::init(1 << 20));
static cl::opt<unsigned> depthOpt("depth", cl::desc("Requests in flight"),
                                  cl::init(32));
static cl::opt<unsigned> repeatOpt("repeat", cl::desc("Runs (the best counts)"),
                                   cl::init(3));
static cl::opt<uint64_t>
    offsetOpt("offset",
              cl::desc("Bytes the buffer starts past an aligned address "
                       "(non-zero: every block is bounced)"),
              cl::init(0));

int main(int argc, char **argv) {
  cl::ParseCommandLineOptions(argc, argv, "dsc swap engine bandwidth\n");
  dsc::rt::SwapOptions options;
  options.directory = dirOpt;
  options.blockBytes = blockOpt;
  options.queueDepth = depthOpt;
  auto engine = dsc::rt::SwapEngine::create(options);
  if (!engine) {
    errs() << "dsc-swap-bench: " << toString(engine.takeError()) << "\n";
    return 1;
  }
  uint64_t align = (*engine)->alignment();
  uint64_t room = alignTo(sizeOpt + offsetOpt, align);
  auto *memory = static_cast<uint8_t *>(std::aligned_alloc(align, room));
  if (!memory) {
    errs() << "dsc-swap-bench: cannot allocate " << room << " bytes\n";
    return 1;
  }
  uint8_t *buffer = memory + offsetOpt;
  for (uint64_t i = 0; i < sizeOpt; ++i)
    buffer[i] = static_cast<uint8_t>(i * 131 + 7);
  auto tensor = (*engine)->addTensor("bench", sizeOpt);
  if (!tensor) {
    errs() << "dsc-swap-bench: " << toString(tensor.takeError()) << "\n";
    return 1;
  }
  auto timed = [&](bool write) -> double {
    auto begin = std::chrono::steady_clock::now();
    auto ticket = write ? (*engine)->write(*tensor, buffer)
                        : (*engine)->read(*tensor, buffer);
    Error e = ticket ? (*engine)->wait(*ticket) : ticket.takeError();
    if (e) {
      errs() << "dsc-swap-bench: " << toString(std::move(e)) << "\n";
      std::exit(1);
    }
    std::chrono::duration<double> seconds =
        std::chrono::steady_clock::now() - begin;
    return sizeOpt / seconds.count() / (1 << 20);
  };
  double bestWrite = 0, bestRead = 0;
  for (unsigned i = 0; i < repeatOpt; ++i) {
    bestWrite = std::max(bestWrite, timed(true));
    bestRead = std::max(bestRead, timed(false));
  }
  for (uint64_t i = 0; i < sizeOpt; i += 4093)
    if (buffer[i] != static_cast<uint8_t>(i * 131 + 7)) {
      errs() << "dsc-swap-bench: byte " << i << " read back wrong\n";
      return 1;
    }
  const dsc::rt::SwapStats &stats = (*engine)->stats();
  outs() << formatv("{{\"write_mib_s\": {0:f1}, \"read_mib_s\": {1:f1}, "
                    "\"alignment\": {2}, \"registered\": {3}, "
                    "\"bounced_bytes\": {4}, \"requests\": {5}}\n",
                    bestWrite, bestRead, align,
                    stats.registered ? "true" : "false", stats.bouncedBytes,
                    stats.requests);
  std::free(memory);
  return 0;
}
