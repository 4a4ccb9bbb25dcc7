//===- TokenData.h - batches from a flat file of token ids ------*- C++ -*-===//
//
// nanoGPT's `train.bin` convention: a flat file of little-endian uint16
// token ids. Step k of training reads B*(S+1) consecutive tokens; row b of
// the batch is tokens [b*(S+1), (b+1)*(S+1)) of that window, the model's
// input is the row without its last token and the labels are the row
// without its first token.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_TOKENDATA_H
#define DSC_RUNTIME_TOKENDATA_H

#include "dsc/Runtime/DType.h"
#include "dsc/Runtime/Plan.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dsc::rt {

/// The two Input tensors a token file fills: the plan's integer inputs
/// [B, S], the first in plan order being the tokens, the second the labels.
/// `batch` and `seqLen` are global, those of the user's data: for inputs
/// split over the mesh (TensorDesc::shardAxes), the local sizes times the
/// axes' sizes, less the padding the compiler added (TensorDesc::dataShape).
/// Every rank reads the global window and takes its block.
struct TokenInputs {
  uint32_t tokens = 0;
  uint32_t labels = 0;
  int64_t batch = 0;
  int64_t seqLen = 0;
};

/// Finds the token and label inputs of `plan`: it must have exactly two
/// Input tensors, both integer [B, S] of one shape, split and padded the
/// same way.
llvm::Expected<TokenInputs> findTokenInputs(const Plan &plan);

/// A token file opened for reading (memory-mapped where possible).
class TokenFile {
public:
  /// Opens `path`; a missing file or an odd byte count is an error.
  static llvm::Expected<TokenFile> open(llvm::StringRef path);

  /// Reads the token ids in `buffer`; messages name the buffer's identifier
  /// as the file.
  static llvm::Expected<TokenFile>
  fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer);

  /// Returns the number of token ids in the file.
  uint64_t numTokens() const;

  /// Returns how many whole windows of `batch` * (`seqLen` + 1) tokens the
  /// file holds; an error if not even one.
  llvm::Expected<uint64_t> numWindows(int64_t batch, int64_t seqLen) const;

  /// Fills `inputs` and `labels` with the bytes of two [batch, seqLen]
  /// tensors of `dtype` for step `step` (0-based), which reads window
  /// `step` modulo numWindows(). An integer dtype too narrow for a token id
  /// is an error naming the id.
  llvm::Error batch(uint64_t step, int64_t batch, int64_t seqLen, DType dtype,
                    std::vector<uint8_t> &inputs,
                    std::vector<uint8_t> &labels) const;

  /// Checks every token of the whole windows against what the inputs
  /// accept (TensorDesc::validRange): a row's tokens but its last are
  /// `tokens`, all but its first `labels`. The error names the file, the
  /// byte offset, the id and the range.
  llvm::Error checkValues(const TensorDesc &tokens, const TensorDesc &labels,
                          int64_t batch, int64_t seqLen) const;

  llvm::StringRef path() const { return filePath; }

private:
  TokenFile() = default;

  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::string filePath;
};

} // namespace dsc::rt

#endif // DSC_RUNTIME_TOKENDATA_H
