//===- BoundedJson.h - JSON from untrusted files, nesting bounded -*- C++
//-*-===//
//
// llvm::json::parse recurses once per nesting level: a file of a few
// hundred kilobytes of `[[[[...` overflows the stack. Headers and specs
// that dsc reads from users' files are parsed through this instead.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_BOUNDEDJSON_H
#define DSC_RUNTIME_BOUNDEDJSON_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace dsc {

/// The deepest nesting of arrays and objects parseJsonBounded accepts: far
/// more than any header or spec dsc reads needs.
inline constexpr unsigned kMaxJsonDepth = 64;

/// Parses `text` as llvm::json::parse does, after checking in one pass
/// without recursion that its arrays and objects nest at most `maxDepth`
/// deep; deeper input is an error saying so.
llvm::Expected<llvm::json::Value>
parseJsonBounded(llvm::StringRef text, unsigned maxDepth = kMaxJsonDepth);

} // namespace dsc

#endif // DSC_RUNTIME_BOUNDEDJSON_H
