//===- FactorPropagation.cpp - layouts through an op's factors ------------===//

#include "dsc/Analysis/FactorPropagation.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

using namespace mlir;

std::vector<std::pair<Operation *, std::optional<ds::ShardingRule>>>
dsc::rulesOf(Block &block) {
  std::vector<std::pair<Operation *, std::optional<ds::ShardingRule>>> ops;
  for (Operation &op : block) {
    std::optional<ds::ShardingRule> rule;
    if (auto ruleOp = dyn_cast<ds::ShardingRuleOpInterface>(&op))
      rule = ruleOp.getShardingRule();
    ops.push_back({&op, std::move(rule)});
  }
  return ops;
}
