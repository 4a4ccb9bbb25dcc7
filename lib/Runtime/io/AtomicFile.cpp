//===- AtomicFile.cpp - write a file all at once or not at all ------------===//

#include "dsc/Runtime/AtomicFile.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <string>
#include <system_error>

#ifdef LLVM_ON_UNIX
#include <unistd.h>
#endif

using llvm::ArrayRef;
using llvm::StringRef;
using llvm::Twine;

namespace {

llvm::Error makeError(StringRef path, const Twine &message) {
  return llvm::createStringError(path + ": " + message);
}

/// Writes `chunks` to `fd` and closes it; returns the first error of any
/// write, the flush to disk or the close.
std::error_code writeAndClose(int fd, ArrayRef<ArrayRef<uint8_t>> chunks) {
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  for (ArrayRef<uint8_t> chunk : chunks) {
    if (os.has_error())
      break;
    os.write(reinterpret_cast<const char *>(chunk.data()), chunk.size());
  }
  os.flush();
#ifdef LLVM_ON_UNIX
  // The rename must not become visible before the data is on disk.
  if (!os.has_error() && ::fsync(fd) != 0) {
    std::error_code ec(errno, std::generic_category());
    os.close();
    os.clear_error();
    return ec;
  }
#endif
  os.close();
  std::error_code ec = os.error();
  os.clear_error();
  return ec;
}

} // namespace

llvm::Error dsc::rt::writeFileAtomically(StringRef path,
                                         ArrayRef<ArrayRef<uint8_t>> chunks) {
  std::string tmpPath =
      (path + ".tmp-" + Twine(llvm::sys::Process::getProcessId())).str();
  int fd;
  if (std::error_code ec = llvm::sys::fs::openFileForWrite(
          tmpPath, fd, llvm::sys::fs::CD_CreateAlways))
    return makeError(path, "cannot create temporary file '" + tmpPath +
                               "': " + ec.message());
  if (std::error_code ec = writeAndClose(fd, chunks)) {
    llvm::sys::fs::remove(tmpPath);
    return makeError(path, "cannot write: " + ec.message());
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmpPath, path)) {
    llvm::sys::fs::remove(tmpPath);
    return makeError(path, "cannot rename '" + tmpPath +
                               "' over it: " + ec.message());
  }
  return llvm::Error::success();
}

llvm::Error dsc::rt::writeFileAtomically(StringRef path, StringRef bytes) {
  ArrayRef<uint8_t> chunk(reinterpret_cast<const uint8_t *>(bytes.data()),
                          bytes.size());
  return writeFileAtomically(path, ArrayRef<ArrayRef<uint8_t>>(chunk));
}
