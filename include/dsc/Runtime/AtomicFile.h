//===- AtomicFile.h - write a file all at once or not at all ----*- C++ -*-===//
//
// The runtime's writers (plans, checkpoints, gradients) must never leave a
// half-written file where a reader or a resumed run would find it: they write
// a temporary in the same directory, flush it to disk and rename it over the
// destination.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ATOMICFILE_H
#define DSC_RUNTIME_ATOMICFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace dsc::rt {

/// Writes the concatenation of `chunks` to `path.tmp-<pid>`, flushes it to
/// disk, then renames it over `path`. On any failure (including a full disk)
/// removes the temporary and returns an error that starts with `path`; never
/// leaves a partial file at `path`, and an existing file there stays whole
/// until the rename replaces it.
llvm::Error writeFileAtomically(llvm::StringRef path,
                                llvm::ArrayRef<llvm::ArrayRef<uint8_t>> chunks);

/// Writes `bytes` to `path` as the overload above does.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes);

} // namespace dsc::rt

#endif // DSC_RUNTIME_ATOMICFILE_H
