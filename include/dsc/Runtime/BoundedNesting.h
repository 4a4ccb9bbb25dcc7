//===- BoundedNesting.h - refuse text nested deeper than a parser can take
//-===//
//
// The parsers dsc uses on users' files (llvm::json, MLIR's) recurse once per
// nesting level: a few hundred kilobytes of `[[[[...` or `module {` overflow
// the stack. Text from users' files is scanned first, in one pass without
// recursion, and refused when its brackets nest too deep.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_BOUNDEDNESTING_H
#define DSC_RUNTIME_BOUNDEDNESTING_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace dsc {

/// The deepest nesting of MLIR text that ds-opt and ds-compile accept: far
/// more than any program needs, far less than overflows the parser (about
/// 4,000 nested modules on an 8 MiB stack).
inline constexpr unsigned kMaxMlirNesting = 512;

/// The offset of the first bracket of `text` that opens level `maxDepth` + 1,
/// if any. `(`, `[`, `{` and `<` open a level, their partners close one (the
/// `>` of `->` does not); string literals ("...", with backslash escapes)
/// and `//` comments are skipped.
std::optional<size_t> findNestingBeyond(llvm::StringRef text,
                                        unsigned maxDepth);

/// An error naming `name`, the line and column of the bracket that nests
/// deeper than `maxDepth`, or success.
llvm::Error checkNesting(llvm::StringRef name, llvm::StringRef text,
                         unsigned maxDepth = kMaxMlirNesting);

} // namespace dsc

#endif // DSC_RUNTIME_BOUNDEDNESTING_H
