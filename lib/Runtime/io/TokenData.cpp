//===- TokenData.cpp - batches from a flat file of token ids --------------===//

#include "dsc/Runtime/TokenData.h"

#include "dsc/Runtime/Mesh.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Endian.h"

#include <cstring>
#include <limits>

using namespace dsc::rt;
using llvm::StringRef;
using llvm::Twine;

namespace {

/// Returns the largest value `dtype` holds, for the integer dtypes.
uint64_t maxValue(DType dtype) {
  switch (dtype) {
  case DType::I8:
    return 127;
  case DType::U8:
    return 255;
  case DType::I16:
    return 32767;
  case DType::U16:
    return 65535;
  default:
    return std::numeric_limits<uint64_t>::max();
  }
}

std::string shapeString(const TensorDesc &desc) {
  return StringRef(dtypeName(desc.dtype)).lower() + "[" +
         llvm::join(
             llvm::map_range(desc.shape,
                             [](int64_t d) { return std::to_string(d); }),
             ",") +
         "]";
}

/// Writes `value` as one little-endian element of `dtype` at `out`.
void storeToken(uint8_t *out, DType dtype, uint16_t value) {
  size_t size = dtypeSize(dtype);
  uint64_t wide = value;
  for (size_t i = 0; i < size; ++i)
    out[i] = static_cast<uint8_t>(i < 8 ? wide >> (8 * i) : 0);
}

} // namespace

llvm::Expected<TokenInputs> dsc::rt::findTokenInputs(const Plan &plan) {
  std::vector<uint32_t> inputs = plan.tensorsWith(Storage::Input);
  if (inputs.size() != 2)
    return llvm::createStringError(
        "--data needs a plan with exactly two inputs (tokens and labels, "
        "integer [B, S]); this plan has " +
        Twine(inputs.size()));
  for (uint32_t index : inputs) {
    const TensorDesc &desc = plan.tensors[index];
    if (!isIntegerDType(desc.dtype) || desc.shape.size() != 2)
      return llvm::createStringError("--data needs integer [B, S] inputs, but "
                                     "input '" +
                                     desc.name + "' is " + shapeString(desc));
  }
  const TensorDesc &tokens = plan.tensors[inputs[0]];
  const TensorDesc &labels = plan.tensors[inputs[1]];
  if (tokens.shape != labels.shape)
    return llvm::createStringError("--data needs inputs of one shape, but '" +
                                   tokens.name + "' is " + shapeString(tokens) +
                                   " and '" + labels.name + "' is " +
                                   shapeString(labels));
  if (tokens.shardAxes != labels.shardAxes)
    return llvm::createStringError("--data needs inputs split the same way "
                                   "over the mesh, but '" +
                                   tokens.name + "' and '" + labels.name +
                                   "' are not");
  if (tokens.dataShape != labels.dataShape)
    return llvm::createStringError("--data needs inputs padded the same way, "
                                   "but '" +
                                   tokens.name + "' and '" + labels.name +
                                   "' are not");
  // The file gives the user's sequence length; the program may pad it.
  std::vector<int64_t> data = dataShape(plan, tokens);
  TokenInputs result;
  result.tokens = inputs[0];
  result.labels = inputs[1];
  result.batch = data[0];
  result.seqLen = data[1];
  return result;
}

llvm::Expected<TokenFile> TokenFile::open(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(buffer.getError(),
                                   "cannot read token file '" + path +
                                       "': " + buffer.getError().message());
  return fromBuffer(std::move(*buffer));
}

llvm::Expected<TokenFile>
TokenFile::fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer) {
  StringRef path = buffer->getBufferIdentifier();
  if (buffer->getBufferSize() % 2 != 0)
    return llvm::createStringError(
        "token file '" + path + "' has " + Twine(buffer->getBufferSize()) +
        " bytes, an odd count: expected uint16 token ids");
  TokenFile file;
  file.filePath = path.str();
  file.buffer = std::move(buffer);
  return std::move(file);
}

uint64_t TokenFile::numTokens() const { return buffer->getBufferSize() / 2; }

llvm::Expected<uint64_t> TokenFile::numWindows(int64_t batch,
                                               int64_t seqLen) const {
  if (batch <= 0 || seqLen <= 0)
    return llvm::createStringError("batch " + Twine(batch) +
                                   " and sequence length " + Twine(seqLen) +
                                   " must be positive");
  uint64_t window = static_cast<uint64_t>(batch) * (seqLen + 1);
  uint64_t windows = numTokens() / window;
  if (windows == 0)
    return llvm::createStringError(
        "token file '" + filePath + "' holds " + Twine(numTokens()) +
        " tokens, fewer than one batch of " + Twine(batch) + " x (" +
        Twine(seqLen) + " + 1) = " + Twine(window));
  return windows;
}

llvm::Error TokenFile::checkValues(const TensorDesc &tokensDesc,
                                   const TensorDesc &labelsDesc, int64_t batch,
                                   int64_t seqLen) const {
  auto windows = numWindows(batch, seqLen);
  if (!windows)
    return windows.takeError();
  const uint8_t *tokens =
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
  uint64_t rowLength = seqLen + 1;
  uint64_t used = *windows * batch * rowLength;
  for (uint64_t position = 0; position < used; ++position) {
    uint16_t token = llvm::support::endian::read16le(tokens + 2 * position);
    // In a row, every token but the last is an input, every one but the
    // first a label.
    uint64_t s = position % rowLength;
    const TensorDesc *refused = nullptr;
    if (s < rowLength - 1 && !tokensDesc.acceptsValue(token))
      refused = &tokensDesc;
    else if (s > 0 && !labelsDesc.acceptsValue(token))
      refused = &labelsDesc;
    if (refused)
      return llvm::createStringError(
          filePath + ": byte offset " + Twine(2 * position) + ": token id " +
          Twine(token) + " is outside " + refused->describeValidRange() +
          ", the values the model accepts for input '" + refused->name + "'");
  }
  return llvm::Error::success();
}

llvm::Error TokenFile::batch(uint64_t step, int64_t batch, int64_t seqLen,
                             DType dtype, std::vector<uint8_t> &inputs,
                             std::vector<uint8_t> &labels) const {
  auto windows = numWindows(batch, seqLen);
  if (!windows)
    return windows.takeError();
  if (!isIntegerDType(dtype))
    return llvm::createStringError("token inputs must be integers, not " +
                                   StringRef(dtypeName(dtype)).lower());
  uint64_t rowLength = seqLen + 1;
  uint64_t first = (step % *windows) * batch * rowLength;
  const uint8_t *tokens =
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
  size_t elementSize = dtypeSize(dtype);
  inputs.assign(batch * seqLen * elementSize, 0);
  labels.assign(batch * seqLen * elementSize, 0);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t s = 0; s <= seqLen; ++s) {
      uint64_t position = first + b * rowLength + s;
      uint16_t token = llvm::support::endian::read16le(tokens + 2 * position);
      if (token > maxValue(dtype))
        return llvm::createStringError("token id " + Twine(token) +
                                       " at position " + Twine(position) +
                                       " of '" + filePath + "' does not fit " +
                                       StringRef(dtypeName(dtype)).lower());
      if (s < seqLen)
        storeToken(inputs.data() + (b * seqLen + s) * elementSize, dtype,
                   token);
      if (s > 0)
        storeToken(labels.data() + (b * seqLen + s - 1) * elementSize, dtype,
                   token);
    }
  }
  return llvm::Error::success();
}
