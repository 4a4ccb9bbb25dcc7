//===- FuzzTokenData.cpp - fuzz the token file reader ---------------------===//
//
// ds-run --data reads a flat file of uint16 token ids. The first eight bytes
// of the input choose the batch, the sequence length, the step, the tensor
// type and the range of ids the model accepts; the rest is the file.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "dsc/Runtime/TokenData.h"

using dsc::rt::DType;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8)
    return 0;
  int64_t batch = 1 + data[0] % 8;
  int64_t seqLen = 1 + data[1] % 64;
  uint64_t step = data[2];
  static const DType kTypes[] = {DType::I64, DType::I32, DType::I16,
                                 DType::U8,  DType::I8,  DType::F32};
  DType dtype = kTypes[data[3] % std::size(kTypes)];
  int64_t vocab = data[4] | (data[5] << 8);
  bool ignoreIndex = data[6] & 1;

  auto file = dsc::rt::TokenFile::fromBuffer(
      dsc::fuzz::inputBuffer(data + 8, size - 8, "fuzz.bin"));
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  auto windows = file->numWindows(batch, seqLen);
  dsc::fuzz::ignore(windows);
  std::vector<uint8_t> inputs, labels;
  dsc::fuzz::ignore(file->batch(step, batch, seqLen, dtype, inputs, labels));

  dsc::rt::TensorDesc tokens;
  tokens.dtype = dtype;
  tokens.shape = {batch, seqLen};
  tokens.validRange = {0, vocab};
  dsc::rt::TensorDesc targets = tokens;
  if (ignoreIndex)
    targets.validRange.push_back(-100);
  dsc::fuzz::ignore(file->checkValues(tokens, targets, batch, seqLen));
  return 0;
}
