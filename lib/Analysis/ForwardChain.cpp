//===- ForwardChain.cpp - the forward pass as a chain of blocks -----------===//

#include "dsc/Analysis/ForwardChain.h"

#include "dsc/Dialect/DS/IR/DSOps.h"

#include "llvm/ADT/Hashing.h"

using namespace mlir;

namespace {

/// Segments [cuts[i], cuts[i+1]): the places after which exactly one
/// activation is still read by later forward ops.
SmallVector<unsigned> findCuts(func::FuncOp trainStep,
                               ArrayRef<Operation *> ops,
                               const DenseMap<Operation *, unsigned> &position,
                               SmallVectorImpl<Value> &carried,
                               DenseSet<Value> &both) {
  DenseSet<Value> fromInput, fromParameter;
  for (BlockArgument arg : trainStep.getArguments()) {
    auto role = trainStep.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(), ds::DSDialect::kRoleAttr);
    if (role && role.getValue() == "input")
      fromInput.insert(arg);
    if (trainStep.getArgAttr(arg.getArgNumber(), ds::DSDialect::kTrainableAttr))
      fromParameter.insert(arg);
  }
  unsigned n = ops.size();
  // How many activations cross the cut after each op, and (when one does)
  // which: the xor of the indices of those that do.
  SmallVector<int64_t> count(n + 1, 0);
  SmallVector<uint64_t> which(n + 1, 0);
  SmallVector<Value> activations;
  for (auto [i, op] : llvm::enumerate(ops)) {
    bool input = llvm::any_of(op->getOperands(),
                              [&](Value v) { return fromInput.contains(v); });
    bool parameter = llvm::any_of(
        op->getOperands(), [&](Value v) { return fromParameter.contains(v); });
    for (Value result : op->getResults()) {
      if (input)
        fromInput.insert(result);
      if (parameter)
        fromParameter.insert(result);
      if (!input || !parameter)
        continue;
      both.insert(result);
      unsigned last = i;
      for (Operation *user : result.getUsers())
        if (auto it = position.find(user); it != position.end())
          last = std::max(last, it->second);
      if (last == i)
        continue;
      // Crosses the cuts after ops i .. last - 1.
      uint64_t id = activations.size();
      activations.push_back(result);
      ++count[i];
      --count[last];
      which[i] ^= id;
      which[last] ^= id;
    }
  }
  SmallVector<unsigned> cuts{0};
  int64_t crossing = 0;
  uint64_t id = 0;
  for (unsigned i = 0; i + 1 < n; ++i) {
    crossing += count[i];
    id ^= which[i];
    if (crossing == 1) {
      cuts.push_back(i + 1);
      carried.push_back(activations[id]);
    }
  }
  cuts.push_back(n);
  return cuts;
}

/// What identifies a segment's computation: its ops' names, attributes and
/// result types in order (not its values).
llvm::hash_code segmentHash(ArrayRef<Operation *> ops) {
  llvm::hash_code hash = llvm::hash_value(ops.size());
  for (Operation *op : ops) {
    hash = llvm::hash_combine(hash, op->getName().getAsOpaquePointer(),
                              op->getRawDictionaryAttrs().getAsOpaquePointer());
    for (Type type : op->getResultTypes())
      hash = llvm::hash_combine(hash, type.getAsOpaquePointer());
  }
  return hash;
}

} // namespace

dsc::ForwardChain
dsc::analyzeForwardChain(func::FuncOp trainStep,
                         const DenseMap<Operation *, StepPhase> &phases) {
  ForwardChain chain;
  DenseMap<Operation *, unsigned> position;
  for (Operation &op : trainStep.front().without_terminator())
    if (auto it = phases.find(&op);
        it != phases.end() && it->second == StepPhase::Forward) {
      position[&op] = chain.ops.size();
      chain.ops.push_back(&op);
    }
  if (chain.ops.empty())
    return chain;
  SmallVector<Value> carried; // the activation entering segment i + 1
  SmallVector<unsigned> cuts =
      findCuts(trainStep, chain.ops, position, carried, chain.activations);
  unsigned segments = cuts.size() - 1;
  SmallVector<llvm::hash_code> hashes;
  for (unsigned s = 0; s < segments; ++s)
    hashes.push_back(
        segmentHash(ArrayRef(chain.ops).slice(cuts[s], cuts[s + 1] - cuts[s])));

  // The longest run of segments that repeats with some period p (at least
  // twice), the smallest such p on ties: a layer is p segments.
  unsigned bestStart = 0, bestPeriod = 0, bestRepeats = 0;
  for (unsigned p = 1; 2 * p <= segments; ++p) {
    unsigned runStart = 0, runLength = 0;
    for (unsigned i = 0; i + p <= segments; ++i) {
      bool same = i + p < segments && hashes[i] == hashes[i + p];
      if (same) {
        if (runLength++ == 0)
          runStart = i;
        continue;
      }
      unsigned repeats = (runLength + p) / p;
      if (runLength && repeats >= 2 && repeats * p > bestRepeats * bestPeriod) {
        bestStart = runStart;
        bestPeriod = p;
        bestRepeats = repeats;
      }
      runLength = 0;
    }
  }

  auto addBlock = [&](unsigned firstSegment, unsigned lastSegment,
                      bool repeated) {
    ForwardBlock block;
    block.begin = cuts[firstSegment];
    block.end = cuts[lastSegment + 1];
    block.input = firstSegment ? carried[firstSegment - 1] : Value();
    block.repeated = repeated;
    for (unsigned i = block.begin; i < block.end; ++i)
      chain.blockOf[chain.ops[i]] = chain.blocks.size();
    chain.blocks.push_back(block);
  };
  unsigned s = 0;
  while (s < segments) {
    if (bestRepeats && s == bestStart) {
      for (unsigned r = 0; r < bestRepeats; ++r, s += bestPeriod)
        addBlock(s, s + bestPeriod - 1, /*repeated=*/true);
      continue;
    }
    addBlock(s, s, /*repeated=*/false);
    ++s;
  }
  return chain;
}
