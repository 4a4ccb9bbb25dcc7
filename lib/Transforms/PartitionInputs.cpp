//===- PartitionInputs.cpp - which inputs the mesh passes split -----------===//

#include "PartitionInputs.h"

#include "dsc/Dialect/DS/IR/DSDialect.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {

/// Parses `name:dim,...` (the option called `flag`) into `dims`.
LogicalResult parseDims(ModuleOp module, StringRef flag, StringRef option,
                        llvm::StringMap<int64_t> &dims) {
  SmallVector<StringRef> entries;
  option.split(entries, ',', -1, false);
  for (StringRef entry : entries) {
    auto [name, dim] = entry.split(':');
    int64_t d;
    if (name.empty() || dim.getAsInteger(10, d) || d < 0)
      return module.emitError()
             << flag << " entry '" << entry << "' must look like name:dim";
    dims[name] = d;
  }
  return success();
}

} // namespace

FailureOr<SmallVector<dsc::SplitInput>>
dsc::findSplitInputs(ModuleOp module, func::FuncOp step, StringRef seqDims,
                     StringRef batchDims, bool bothSplit) {
  llvm::StringMap<int64_t> seqDimOf, batchDimOf;
  if (failed(parseDims(module, "seq-dims", seqDims, seqDimOf)) ||
      failed(parseDims(module, "batch-dims", batchDims, batchDimOf)))
    return failure();

  SmallVector<SplitInput> inputs;
  llvm::StringSet<> inputNames;
  for (BlockArgument arg : step.getArguments()) {
    auto role = step.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(), mlir::ds::DSDialect::kRoleAttr);
    auto nameAttr = step.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(), mlir::ds::DSDialect::kNameAttr);
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!role || role.getValue() != "input" || !type)
      continue;
    StringRef name = nameAttr ? nameAttr.getValue() : StringRef();
    inputNames.insert(name);
    bool named = seqDimOf.count(name) || batchDimOf.count(name);
    if (type.getRank() < 1 || (!type.getElementType().isInteger() && !named))
      continue;
    SplitInput input{arg};
    if (seqDimOf.count(name))
      input.seq = seqDimOf.lookup(name);
    if (batchDimOf.count(name))
      input.batch = batchDimOf.lookup(name);
    // By default the sequence is dimension 1, unless it has size 1 (a
    // [B, 1, S, S] attention mask's head dimension): such an input stays
    // whole, as one of rank 1 does.
    input.splitSeq = seqDimOf.count(name) || (input.seq < type.getRank() &&
                                              type.getDimSize(input.seq) != 1);
    if (bothSplit && input.splitSeq && input.seq == input.batch)
      return step.emitError()
             << "input '" << name << "' has its batch and its sequence in "
             << "the same dimension " << input.seq
             << " (set --batch-dims or --seq-dims)";
    inputs.push_back(input);
  }
  for (const llvm::StringMap<int64_t> *dims : {&seqDimOf, &batchDimOf})
    for (const auto &entry : *dims)
      if (!inputNames.contains(entry.getKey()))
        return module.emitError()
               << "'" << entry.getKey()
               << "' in seq-dims or batch-dims names no model input of "
                  "@train_step";
  return inputs;
}

FailureOr<func::FuncOp> dsc::stepForMesh(ModuleOp module, int64_t dp,
                                         int64_t sp) {
  if (dp < 1 || sp < 1)
    return module.emitError() << "dp and sp must be at least 1";
  return module.lookupSymbol<func::FuncOp>(mlir::ds::DSDialect::kTrainStepFunc);
}
