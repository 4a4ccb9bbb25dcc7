//===- FuzzTarget.h - helpers shared by dsc's fuzz targets ------*- C++ -*-===//
//
// libFuzzer targets (scripts/fuzz.sh) feed the readers of everything dsc
// accepts from elsewhere: plans, safetensors, token files, input shapes,
// PyTorch archives and MLIR. An error is a good outcome; a crash, a hang or
// a sanitizer report is a bug. Readers that take a path get the bytes
// through a file that lives for one input.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TEST_FUZZ_FUZZTARGET_H
#define DSC_TEST_FUZZ_FUZZTARGET_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace dsc::fuzz {

/// The input as a buffer named `name` (its own copy: readers may keep it).
inline std::unique_ptr<llvm::MemoryBuffer>
inputBuffer(const uint8_t *data, size_t size, llvm::StringRef name) {
  return llvm::MemoryBuffer::getMemBufferCopy(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), name);
}

/// A temporary file holding the input, removed when this goes away.
class InputFile {
public:
  InputFile(const uint8_t *data, size_t size, llvm::StringRef suffix) {
    int fd;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("dsc-fuzz", suffix, fd, path))
      fatal("cannot create a temporary file: " + ec.message());
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(reinterpret_cast<const char *>(data), size);
    os.close();
    if (os.has_error())
      fatal("cannot write " + path.str().str());
  }
  ~InputFile() { llvm::sys::fs::remove(path); }
  InputFile(const InputFile &) = delete;
  InputFile &operator=(const InputFile &) = delete;

  llvm::StringRef getPath() const { return path; }

private:
  [[noreturn]] static void fatal(const llvm::Twine &message) {
    llvm::errs() << "fuzz target: " << message << "\n";
    std::abort();
  }
  llvm::SmallString<128> path;
};

/// Drops an expected error (the reader refused the input, as it should).
template <typename T> void ignore(llvm::Expected<T> &value) {
  if (!value)
    llvm::consumeError(value.takeError());
}
inline void ignore(llvm::Error error) { llvm::consumeError(std::move(error)); }

} // namespace dsc::fuzz

#endif // DSC_TEST_FUZZ_FUZZTARGET_H
