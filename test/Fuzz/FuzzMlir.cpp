//===- FuzzMlir.cpp - fuzz MLIR parsing and the dialects' verifiers -------===//
//
// What ds-opt and ds-compile do with a .mlir file before any pass: the
// nesting bound, MLIR's parser with the ds, dsrt and func dialects, and the
// verifiers (ops, types, attributes, discardable ds.* attributes).
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "dsc/Dialect/DS/IR/DSDialect.h"
#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"
#include "dsc/Runtime/BoundedNesting.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // MLIR's lexer reads up to the NUL that MemoryBuffer::getFile puts after
  // a file (ds-opt and ds-compile read files so): the copy adds it.
  std::string copy(reinterpret_cast<const char *>(data), size);
  llvm::StringRef text = copy;
  if (llvm::Error err = dsc::checkNesting("fuzz.mlir", text)) {
    llvm::consumeError(std::move(err));
    return 0;
  }
  mlir::DialectRegistry registry;
  registry.insert<mlir::ds::DSDialect, mlir::dsrt::DSRTDialect,
                  mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  // Diagnostics are expected; printing them would only slow the fuzzer.
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  // parseSourceString verifies what it parsed.
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &context, "fuzz.mlir");
  return 0;
}
