//===- TestPrintCosts.cpp - -ds-test-print-costs --------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "llvm/Support/FormatVariadic.h"

namespace dsc {
#define GEN_PASS_DEF_TESTPRINTCOSTSPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

struct TestPrintCostsPass
    : dsc::impl::TestPrintCostsPassBase<TestPrintCostsPass> {
  void runOnOperation() override {
    getOperation().walk([](ds::CostOpInterface op) {
      if (op->getParentOfType<ds::RecomputeOp>())
        return;
      op->emitRemark() << llvm::formatv(
          "{0} flops={1:f0} read={2:f0} written={3:f0}{4}", op->getName(),
          op.getFlops(), op.getBytesRead(), op.getBytesWritten(),
          op.usesMatrixUnits() ? " matrix" : "");
    });
  }
};

} // namespace
