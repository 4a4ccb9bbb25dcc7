//===- CostModel.cpp - a machine, and how long work takes on it -----------===//

#include "dsc/Analysis/CostModel.h"
#include "dsc/Runtime/BoundedJson.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace {

/// Published peak numbers (dense, per GPU; matrix units at TF32, which
/// PyTorch's fp32 matmuls use with allow_tf32) and NVLink's bandwidth per
/// direction; the latency is a typical NCCL small-message time. The CPU
/// preset was measured on the project's 2-core build machine with
/// `ds-run --calibrate --threads 2` (ATen's sgemm, an in-cache multiply,
/// a 256 MiB copy; 2026-12-02); its link (local Gloo over TCP) is a
/// typical figure, not measured; its NVMe the slowest of three runs of
/// bench/swap.py on the machine's virtual disk (2026-12-03), its host
/// "link" a copy at its memory bandwidth. The GPUs' NVMe is one PCIe 4
/// drive per GPU, their host link PCIe 4 (A100) or 5 x16 (H100, H200) at
/// about 80% of its peak: typical figures. Their host processor is an
/// eighth of the DGX's two sockets (A100: 2 x 64-core EPYC 7742, AVX2,
/// 8 channels of DDR4-3200 each; H100 and H200: 2 x 56-core Xeon 8480C,
/// AVX-512, 8 channels of DDR5-4800 each) at peak: typical figures, not
/// measured; the CPU preset's is the CPU itself.
struct Preset {
  const char *name;
  double matmulFlops, vectorFlops, memoryBandwidth, memoryBytes;
  double linkBandwidth, linkLatency;
  double nvmeBandwidth, nvmeLatency;
  double hostBandwidth, hostLatency;
  bool copyEngine;
  double hostVectorFlops, hostMemoryBandwidth;
};
constexpr Preset kPresets[] = {
    {"cpu", 2.29e11, 6.04e9, 1.78e10, 2.53e10, 1.0e9, 1.0e-4, 1.4e9, 1e-4,
     1.78e10, 1e-6, false, 6.04e9, 1.78e10},
    {"a100-80gb", 156e12, 19.5e12, 2.039e12, 80e9, 300e9, 1e-5, 6e9, 1e-4,
     2.5e10, 1e-5, true, 1.15e12, 5.1e10},
    {"h100-80gb", 494.7e12, 66.9e12, 3.35e12, 80e9, 450e9, 1e-5, 6e9, 1e-4,
     5e10, 1e-5, true, 1.8e12, 7.7e10},
    {"h200", 494.7e12, 66.9e12, 4.8e12, 141e9, 450e9, 1e-5, 6e9, 1e-4, 5e10,
     1e-5, true, 1.8e12, 7.7e10},
};

Expected<double> positive(const json::Object &object, StringRef key,
                          StringRef source) {
  std::optional<double> value = object.getNumber(key);
  if (!value || !(*value > 0) || !std::isfinite(*value))
    return createStringError(
        inconvertibleErrorCode(),
        formatv("{0}: \"{1}\" must be a positive number", source, key));
  return *value;
}

Expected<dsc::Link> parseLink(const json::Value *value, StringRef source,
                              StringRef what) {
  const json::Object *object = value ? value->getAsObject() : nullptr;
  if (!object)
    return createStringError(inconvertibleErrorCode(),
                             formatv("{0}: \"{1}\" must be an object with "
                                     "bandwidth and latency",
                                     source, what));
  dsc::Link link;
  Expected<double> bandwidth = positive(
      *object, "bandwidth", formatv("{0}: \"{1}\"", source, what).str());
  if (!bandwidth)
    return bandwidth.takeError();
  std::optional<double> latency = object->getNumber("latency");
  if (!latency || *latency < 0 || !std::isfinite(*latency))
    return createStringError(
        inconvertibleErrorCode(),
        formatv("{0}: \"{1}\" needs a latency >= 0 (seconds)", source, what));
  link.bandwidth = *bandwidth;
  link.latency = *latency;
  return link;
}

} // namespace

const dsc::Link &dsc::Hardware::linkFor(StringRef axis) const {
  auto it = axisLinks.find(axis);
  return it == axisLinks.end() ? link : it->second;
}

std::vector<std::string> dsc::hardwarePresets() {
  std::vector<std::string> names;
  for (const Preset &preset : kPresets)
    names.push_back(preset.name);
  return names;
}

Expected<dsc::Hardware> dsc::parseHardware(const json::Value &value,
                                           StringRef source) {
  const json::Object *object = value.getAsObject();
  if (!object)
    return createStringError(inconvertibleErrorCode(),
                             formatv("{0}: not a JSON object", source));
  Hardware hardware;
  hardware.name = object->getString("name").value_or(source).str();
  std::pair<StringRef, double *> numbers[] = {
      {"matmul_flops", &hardware.matmulFlops},
      {"vector_flops", &hardware.vectorFlops},
      {"memory_bandwidth", &hardware.memoryBandwidth},
      {"memory_bytes", &hardware.memoryBytes}};
  for (auto [key, field] : numbers) {
    Expected<double> number = positive(*object, key, source);
    if (!number)
      return number.takeError();
    *field = *number;
  }
  Expected<Link> link = parseLink(object->get("link"), source, "link");
  if (!link)
    return link.takeError();
  hardware.link = *link;
  if (const json::Value *links = object->get("links")) {
    const json::Object *byAxis = links->getAsObject();
    if (!byAxis)
      return createStringError(
          inconvertibleErrorCode(),
          formatv("{0}: \"links\" must map mesh axes to links", source));
    for (const auto &[axis, axisLink] : *byAxis) {
      Expected<Link> parsed = parseLink(&axisLink, source, axis.str());
      if (!parsed)
        return parsed.takeError();
      hardware.axisLinks[axis.str()] = *parsed;
    }
  }
  for (auto [key, link] : {std::pair<StringRef, Link *>{"nvme", &hardware.nvme},
                           {"host", &hardware.host}})
    if (const json::Value *value = object->get(key)) {
      Expected<Link> parsed = parseLink(value, source, key);
      if (!parsed)
        return parsed.takeError();
      *link = *parsed;
    }
  hardware.hostProcessor = {hardware.vectorFlops, hardware.memoryBandwidth};
  if (const json::Value *host = object->get("host_processor")) {
    const json::Object *processor = host->getAsObject();
    if (!processor)
      return createStringError(
          inconvertibleErrorCode(),
          formatv("{0}: \"host_processor\" must be an object with "
                  "vector_flops and memory_bandwidth",
                  source));
    std::string what = formatv("{0}: \"host_processor\"", source).str();
    for (auto [key, field] :
         {std::pair<StringRef, double *>{"vector_flops",
                                         &hardware.hostProcessor.vectorFlops},
          {"memory_bandwidth", &hardware.hostProcessor.memoryBandwidth}}) {
      Expected<double> number = positive(*processor, key, what);
      if (!number)
        return number.takeError();
      *field = *number;
    }
  }
  if (const json::Value *copyEngine = object->get("copy_engine")) {
    std::optional<bool> flag = copyEngine->getAsBoolean();
    if (!flag)
      return createStringError(
          inconvertibleErrorCode(),
          formatv("{0}: \"copy_engine\" must be true or false", source));
    hardware.copyEngine = *flag;
  }
  return hardware;
}

Expected<dsc::Hardware> dsc::loadHardware(StringRef nameOrPath) {
  for (const Preset &preset : kPresets)
    if (nameOrPath == preset.name) {
      Hardware hardware;
      hardware.name = preset.name;
      hardware.matmulFlops = preset.matmulFlops;
      hardware.vectorFlops = preset.vectorFlops;
      hardware.memoryBandwidth = preset.memoryBandwidth;
      hardware.memoryBytes = preset.memoryBytes;
      hardware.link = {preset.linkBandwidth, preset.linkLatency};
      hardware.nvme = {preset.nvmeBandwidth, preset.nvmeLatency};
      hardware.host = {preset.hostBandwidth, preset.hostLatency};
      hardware.copyEngine = preset.copyEngine;
      hardware.hostProcessor = {preset.hostVectorFlops,
                                preset.hostMemoryBandwidth};
      hardware.source = preset.name;
      return hardware;
    }
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(nameOrPath, /*IsText=*/true);
  if (!file)
    return createStringError(
        file.getError(),
        formatv("hardware '{0}' is neither a preset ({1}) nor a readable "
                "file: {2}",
                nameOrPath, join(hardwarePresets(), ", "),
                file.getError().message()));
  Expected<json::Value> value = dsc::parseJsonBounded((*file)->getBuffer());
  if (!value)
    return createStringError(
        inconvertibleErrorCode(),
        formatv("{0}: {1}", nameOrPath, toString(value.takeError())));
  Expected<Hardware> hardware = parseHardware(*value, nameOrPath);
  if (hardware)
    hardware->source = nameOrPath.str();
  return hardware;
}

json::Value dsc::toJSON(const Hardware &hardware) {
  auto link = [](const Link &l) {
    return json::Object{{"bandwidth", l.bandwidth}, {"latency", l.latency}};
  };
  json::Object links;
  for (const auto &entry : hardware.axisLinks)
    links[entry.getKey()] = link(entry.getValue());
  return json::Object{
      {"name", hardware.name},
      {"matmul_flops", hardware.matmulFlops},
      {"vector_flops", hardware.vectorFlops},
      {"memory_bandwidth", hardware.memoryBandwidth},
      {"memory_bytes", hardware.memoryBytes},
      {"link", link(hardware.link)},
      {"links", std::move(links)},
      {"nvme", link(hardware.nvme)},
      {"host", link(hardware.host)},
      {"copy_engine", hardware.copyEngine},
      {"host_processor",
       json::Object{
           {"vector_flops", hardware.hostProcessor.vectorFlops},
           {"memory_bandwidth", hardware.hostProcessor.memoryBandwidth}}}};
}

dsc::KernelTime dsc::kernelTime(const Hardware &hardware, double flops,
                                double bytes, bool matrixUnits, bool onHost) {
  double compute = flops / (onHost        ? hardware.hostProcessor.vectorFlops
                            : matrixUnits ? hardware.matmulFlops
                                          : hardware.vectorFlops);
  double memory = bytes / (onHost ? hardware.hostProcessor.memoryBandwidth
                                  : hardware.memoryBandwidth);
  return {std::max(compute, memory), compute >= memory && flops > 0};
}

double dsc::collectiveTime(const Hardware &hardware, StringRef axis,
                           double bytes) {
  const Link &link = hardware.linkFor(axis);
  return link.latency + bytes / link.bandwidth;
}

double dsc::transferTime(const Hardware &hardware, StringRef space,
                         double bytes) {
  const Link &link = space == "cpu" ? hardware.host : hardware.nvme;
  return link.latency + bytes / link.bandwidth;
}
