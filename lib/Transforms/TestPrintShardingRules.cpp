//===- TestPrintShardingRules.cpp - -ds-test-print-sharding-rules ---------===//
//
// Prints the sharding rule of every op that has one as a remark, so that
// lit can check each op's factors, kinds and preferences
// (test/Dialect/DS/sharding-rules.mlir), as Shardy's
// op_sharding_rule_registry test does.
//
//===----------------------------------------------------------------------===//

#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

namespace dsc {
#define GEN_PASS_DEF_TESTPRINTSHARDINGRULESPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;

namespace {

struct TestPrintShardingRulesPass
    : dsc::impl::TestPrintShardingRulesPassBase<TestPrintShardingRulesPass> {
  void runOnOperation() override {
    getOperation().walk([](ds::ShardingRuleOpInterface op) {
      std::string text;
      llvm::raw_string_ostream os(text);
      ds::ShardingRule rule = op.getShardingRule();
      rule.print(os);
      if (!rule.verify(op))
        os << " (invalid)";
      op->emitRemark() << op->getName() << " " << text;
    });
  }
};

} // namespace
