//===- ZipChecksums.h - verify a zip archive's CRCs --------------*- C++
//-*-===//
//
// PyTorch's archives (TorchScript `.pt`, torch.export `.pt2`) are zip files
// whose entries are stored uncompressed; LibTorch's reader does not check
// their CRC-32s, so a flipped weight byte would import silently.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ZIPCHECKSUMS_H
#define DSC_RUNTIME_ZIPCHECKSUMS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace dsc::rt {

/// Checks the CRC-32 of every stored entry of the zip archive at `path`
/// against its central directory (zip64 included). Errors name the file and
/// the entry; a file that is not a well-formed zip is an error too.
/// Deflated entries are inflated (at most to their declared size) and
/// checked too; other compression methods are refused.
llvm::Error verifyZipChecksums(llvm::StringRef path);

} // namespace dsc::rt

#endif // DSC_RUNTIME_ZIPCHECKSUMS_H
