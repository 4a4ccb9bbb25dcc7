//===- Passes.h - dsc conversion passes -------------------------*- C++ -*-===//

#ifndef DSC_CONVERSION_PASSES_H
#define DSC_CONVERSION_PASSES_H

#include "dsc/Dialect/DSRT/IR/DSRTDialect.h"

#include "mlir/Pass/Pass.h"

namespace dsc {

#define GEN_PASS_DECL
#include "dsc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dsc/Conversion/Passes.h.inc"

} // namespace dsc

#endif // DSC_CONVERSION_PASSES_H
