//===- ZipArchive.h - read a PyTorch zip archive's records -------*- C++
//-*-===//
//
// PyTorch's archives (TorchScript `.pt`, torch.export `.pt2`) are zip files
// whose entries are stored uncompressed or deflated. LibTorch's reader does
// not check their CRC-32s (a flipped weight byte would import silently) nor
// whether the pickles' tensors fit the records they name; dsc reads the
// central directory itself to check both before LibTorch sees the file.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ZIPARCHIVE_H
#define DSC_RUNTIME_ZIPARCHIVE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc::rt {

/// One entry of a zip archive's central directory.
struct ZipEntry {
  std::string name;
  /// Where the entry's (stored or compressed) data starts in the file.
  uint64_t dataOffset = 0;
  /// Bytes of data in the file, and bytes once inflated.
  uint64_t storedSize = 0, size = 0;
  /// 0: stored, 8: deflated (the only methods read).
  uint16_t method = 0;
  uint32_t crc = 0;
};

/// The entries of the zip archive `bytes` (zip64 included), each checked to
/// lie inside the file and to use a method dsc reads. Errors are prefixed
/// with `path`.
llvm::Expected<std::vector<ZipEntry>> readZipDirectory(llvm::StringRef bytes,
                                                       llvm::StringRef path);

/// The contents of `entry` of the archive `bytes`: stored data as it is,
/// deflated data inflated to exactly the size its directory entry declares;
/// the CRC-32 is checked either way. Errors name `path` and the entry.
llvm::Expected<std::string> readZipEntry(llvm::StringRef bytes,
                                         const ZipEntry &entry,
                                         llvm::StringRef path);

/// Checks `entry`'s CRC-32 (inflating it when deflated) without keeping its
/// contents.
llvm::Error verifyZipEntry(llvm::StringRef bytes, const ZipEntry &entry,
                           llvm::StringRef path);

/// Checks the CRC-32 of every entry of the zip archive at `path` against its
/// central directory, without keeping the contents. Errors name the file and
/// the entry; a file that is not a well-formed zip is an error too.
llvm::Error verifyZipChecksums(llvm::StringRef path);

} // namespace dsc::rt

#endif // DSC_RUNTIME_ZIPARCHIVE_H
