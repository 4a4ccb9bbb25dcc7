//===- SafeTensors.h - safetensors reader and writer ------------*- C++ -*-===//
//
// A small reader and writer for the safetensors format
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// size N, N bytes of JSON mapping each tensor name to its dtype, shape and
// byte range, an optional "__metadata__" object of strings, then the raw
// little-endian, row-major tensor data.
//
// The importer writes weights with it; the runtime reads weights and inputs
// and writes checkpoints and gradients. It depends on LLVM Support only.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_SAFETENSORS_H
#define DSC_RUNTIME_SAFETENSORS_H

#include "dsc/Runtime/DType.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dsc::rt {

/// One tensor's entry in a safetensors header.
struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  /// Byte offset of the data, relative to the start of the data section.
  uint64_t offset;
  /// Size of the data in bytes.
  uint64_t size;

  /// Returns the product of `shape`: 1 for a 0-d tensor, 0 for an empty one.
  int64_t numElements() const;
};

/// A safetensors file opened for reading. The whole file stays in one buffer,
/// memory-mapped where the system allows it, and `data()` points into it.
class SafeTensorsFile {
public:
  /// Opens and validates the file at `path`.
  static llvm::Expected<SafeTensorsFile> open(llvm::StringRef path);

  /// Validates the safetensors bytes in `buffer`; messages name the buffer's
  /// identifier as the file.
  static llvm::Expected<SafeTensorsFile>
  fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer);

  /// Returns the tensors in file order (by offset).
  llvm::ArrayRef<TensorInfo> tensors() const { return infos; }

  /// Returns the tensor called `name`, or nullptr if there is none.
  const TensorInfo *find(llvm::StringRef name) const;

  /// Returns the bytes of `info`, which must come from this file.
  llvm::ArrayRef<uint8_t> data(const TensorInfo &info) const;
  /// Returns where the tensor's data starts in the file, in bytes.
  uint64_t fileOffset(const TensorInfo &info) const {
    return dataStart + info.offset;
  }

  /// Returns the "__metadata__" entries (empty when the file has none).
  const std::map<std::string, std::string> &metadata() const {
    return metadataMap;
  }

  /// Returns the path (or buffer identifier) used in messages.
  llvm::StringRef path() const { return filePath; }

  /// Checks that `name` exists with this dtype and shape; the error names the
  /// file, the tensor, what was expected and what was found.
  llvm::Expected<const TensorInfo *>
  expect(llvm::StringRef name, DType dtype,
         llvm::ArrayRef<int64_t> shape) const;

private:
  SafeTensorsFile() = default;

  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::string filePath;
  /// Offset of the data section from the start of `buffer`.
  uint64_t dataStart = 0;
  std::vector<TensorInfo> infos;
  /// Maps a tensor name to its index in `infos`.
  llvm::StringMap<size_t> index;
  std::map<std::string, std::string> metadataMap;
};

/// Collects tensors and writes a safetensors file atomically.
class OutputFile;

class SafeTensorsWriter {
public:
  /// Adds a tensor; `bytes` is copied. Names must be unique and `bytes` must
  /// hold exactly the tensor's elements; write() reports violations.
  void add(llvm::StringRef name, DType dtype, llvm::ArrayRef<int64_t> shape,
           llvm::ArrayRef<uint8_t> bytes);

  /// Sets a "__metadata__" entry, replacing an earlier value for `key`.
  void setMetadata(llvm::StringRef key, llvm::StringRef value);

  /// Writes the file through an OutputFile (AtomicFile.h): on any failure
  /// (including a full disk) the error names `path` and whatever was at
  /// `path` stays whole. Tensors are packed in the order added and the
  /// header is padded with spaces to a multiple of 8.
  llvm::Error write(llvm::StringRef path) const;
  /// Writes the file's bytes to `out` (not committed: the caller commits it
  /// with its other outputs).
  llvm::Error writeTo(OutputFile &out) const;

private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };

  /// Returns the JSON header, padded to a multiple of 8 bytes, or an error
  /// for an invalid tensor.
  llvm::Expected<std::string> buildHeader(llvm::StringRef path) const;

  std::vector<Entry> entries;
  std::map<std::string, std::string> metadataMap;
};

} // namespace dsc::rt

#endif // DSC_RUNTIME_SAFETENSORS_H
