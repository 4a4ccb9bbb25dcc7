//===- CostModel.h - a machine, and how long work takes on it ---*- C++ -*-===//
//
// The hardware description the compiler plans for (JSON), its presets, and
// the time estimates made from it: roofline for kernels (the larger of
// compute time and memory time), latency plus bytes over bandwidth for
// collectives. The work itself comes from the ops (ds::CostOpInterface).
//
// JSON (every number in SI units: operations, bytes and seconds):
//   {"name": "h200",
//    "matmul_flops": 4.9e14,       // matrix-unit throughput (fp32 via TF32)
//    "vector_flops": 6.7e13,       // everything else
//    "memory_bandwidth": 4.8e12,   // bytes per second
//    "memory_bytes": 1.41e11,      // capacity per rank
//    "link": {"bandwidth": 4.5e11, "latency": 1e-5},  // any mesh axis
//    "links": {"dp": {"bandwidth": 5e10, "latency": 2e-5}},  // optional
//    "nvme": {"bandwidth": 6e9, "latency": 1e-4},  // optional: swap reads
//                                 // and writes (default 2e9 B/s, 100 us)
//    "host": {"bandwidth": 5e10, "latency": 1e-5},  // optional: copies to
//                       // and from host memory (default 2.5e10 B/s, 10 us)
//    "copy_engine": true,  // optional (default true): host copies run
//                          // beside compute (a GPU's copy engine); false:
//                          // the runtime copies in line (the CPU runtime)
//    "host_processor": {"vector_flops": 1.8e12, "memory_bandwidth": 7.7e10}}
//                 // optional: one rank's share of the host's processor,
//                 // where updates on the host run (default: the device's
//                 // vector_flops and memory_bandwidth, a CPU machine)
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_COSTMODEL_H
#define DSC_ANALYSIS_COSTMODEL_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace dsc {

struct Link {
  double bandwidth = 0; // bytes per second, one direction
  double latency = 0;   // seconds per collective
};

/// A processor's throughput for work without matrix units.
struct Processor {
  double vectorFlops = 0;     // per second
  double memoryBandwidth = 0; // bytes per second
};

struct Hardware {
  std::string name;
  double matmulFlops = 0;
  double vectorFlops = 0;
  double memoryBandwidth = 0;
  double memoryBytes = 0;
  Link link;
  llvm::StringMap<Link> axisLinks;
  /// The rank's swap space (ds-run --nvme-path): one transfer's time is
  /// its latency plus its bytes at the bandwidth.
  Link nvme{2e9, 1e-4};
  /// Copies between device and host memory (offload to "cpu").
  Link host{2.5e10, 1e-5};
  /// Whether host copies overlap compute (a GPU's copy engine) or take
  /// the compute's time (the CPU runtime copies with memcpy in line).
  bool copyEngine = true;
  /// The host's processor as one rank has it (its share of the cores and
  /// memory channels), where the updates on the host run
  /// (-ds-host-updates). A description without `host_processor` is taken
  /// to run on its host: the device's own vector and memory figures.
  Processor hostProcessor;
  /// The preset's name or the file it was read from (loadHardware), for
  /// passes that take the hardware as an option.
  std::string source;
  /// Threads each rank's CPU kernels use (ds-run --threads): ATen's fused
  /// attention keeps a block of scores per thread, part of the planned
  /// workspace. Not part of the JSON: ds-compile --kernel-threads sets it.
  unsigned kernelThreads = 1;

  /// The link collectives over mesh axis `axis` use.
  const Link &linkFor(llvm::StringRef axis) const;
};

/// The presets' names: cpu (this project's 2-core build machine, measured
/// with `ds-run --calibrate`), a100-80gb, h100-80gb, h200.
std::vector<std::string> hardwarePresets();

/// A preset by name, or else the JSON file at `nameOrPath`.
llvm::Expected<Hardware> loadHardware(llvm::StringRef nameOrPath);
/// Reads a description; `source` names it in errors.
llvm::Expected<Hardware> parseHardware(const llvm::json::Value &value,
                                       llvm::StringRef source);
llvm::json::Value toJSON(const Hardware &hardware);

/// A kernel's estimated time: the larger of its compute time and its
/// memory time (roofline), on the device or, `onHost`, on the host's
/// processor.
struct KernelTime {
  double seconds = 0;
  bool computeBound = false;
};
KernelTime kernelTime(const Hardware &hardware, double flops, double bytes,
                      bool matrixUnits, bool onHost = false);

/// A collective's estimated time: the link's latency plus `bytes` (over the
/// busiest link) at its bandwidth.
double collectiveTime(const Hardware &hardware, llvm::StringRef axis,
                      double bytes);

/// An offload transfer's estimated time to or from memory space `space`
/// ("nvme": the swap space; "cpu": host memory): the link's latency plus
/// `bytes` at its bandwidth.
double transferTime(const Hardware &hardware, llvm::StringRef space,
                    double bytes);

} // namespace dsc

#endif // DSC_ANALYSIS_COSTMODEL_H
