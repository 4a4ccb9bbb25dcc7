//===- AtomicFile.h - write a file all at once or not at all ----*- C++ -*-===//
//
// Every writer of the tools (plans, checkpoints, gradients, IR, reports,
// logs) must never leave a half-written file where a reader or a resumed run
// would find it, nor destroy what was there when it fails: it writes a
// temporary beside the destination, flushes it to disk and renames it over
// the destination only once everything succeeded. A symlink is written
// through (its target is replaced, the link stays); a device or a pipe is
// written directly (there is nothing to replace); a directory is refused.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ATOMICFILE_H
#define DSC_RUNTIME_ATOMICFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace dsc::rt {

/// An output that replaces its destination only when committed.
class OutputFile {
public:
  /// Checks that `path` can be written (not a directory, its directory
  /// exists and is writable) without creating anything: for tools to call
  /// before any work. The error names `path`.
  static llvm::Error check(llvm::StringRef path);
  /// Opens the temporary (or the device or pipe) that `os()` writes to;
  /// "-" is standard output.
  static llvm::Expected<OutputFile> open(llvm::StringRef path);

  OutputFile(OutputFile &&) noexcept;
  OutputFile &operator=(OutputFile &&) noexcept;
  /// Not committed: the temporary is removed, the destination untouched.
  ~OutputFile();

  llvm::raw_ostream &os();
  /// Flushes what was written so far to the temporary; an error (a full
  /// disk) names the path. For outputs written as a run goes (a log).
  llvm::Error flush();
  /// The destination as the caller named it.
  llvm::StringRef getPath() const { return path; }
  /// Flushes to disk and renames the temporary over the destination
  /// (keeping the replaced file's permissions). The error names the path.
  llvm::Error commit();

private:
  OutputFile() = default;
  void discard();

  std::string path;    // as the user named it, for messages
  std::string target;  // where the bytes go (symlinks resolved)
  std::string tmpPath; // empty when written directly
  int fd = -1;
  std::unique_ptr<llvm::raw_fd_ostream> stream;
  bool committed = false;
};

/// Writes the concatenation of `chunks` to `path` through an OutputFile: on
/// any failure (including a full disk) the temporary is removed and the
/// error starts with `path`; an existing file there stays whole until the
/// rename replaces it.
llvm::Error writeFileAtomically(llvm::StringRef path,
                                llvm::ArrayRef<llvm::ArrayRef<uint8_t>> chunks);

/// Writes `bytes` to `path` as the overload above does.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes);

} // namespace dsc::rt

#endif // DSC_RUNTIME_ATOMICFILE_H
