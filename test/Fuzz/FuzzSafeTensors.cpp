//===- FuzzSafeTensors.cpp - fuzz the safetensors reader ------------------===//
//
// Weights, inputs and checkpoints arrive as safetensors files: the header's
// JSON, dtypes, shapes and byte ranges are untrusted.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "dsc/Runtime/SafeTensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto file = dsc::rt::SafeTensorsFile::fromBuffer(
      dsc::fuzz::inputBuffer(data, size, "fuzz.safetensors"));
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  // Everything the runtime does with an accepted file: look tensors up,
  // check them against what a plan expects and read their bytes.
  uint64_t sum = 0;
  for (const dsc::rt::TensorInfo &info : file->tensors()) {
    llvm::ArrayRef<uint8_t> bytes = file->data(info);
    for (uint8_t b : bytes)
      sum += b;
    auto found = file->expect(info.name, info.dtype, info.shape);
    dsc::fuzz::ignore(found);
    auto other = file->expect(info.name, dsc::rt::DType::F32, {2, 3});
    dsc::fuzz::ignore(other);
  }
  for (const auto &entry : file->metadata())
    sum += entry.first.size() + entry.second.size();
  static volatile uint64_t sink;
  sink = sum;
  return 0;
}
