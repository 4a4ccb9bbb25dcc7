//===- ActivationCheckpoint.cpp - -ds-activation-checkpoint ---------------===//

#include "dsc/Analysis/ForwardChain.h"
#include "dsc/Analysis/StepPhases.h"
#include "dsc/Dialect/DS/IR/DSOps.h"
#include "dsc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/SetVector.h"

namespace dsc {
#define GEN_PASS_DEF_ACTIVATIONCHECKPOINTPASS
#include "dsc/Transforms/Passes.h.inc"
} // namespace dsc

using namespace mlir;
using namespace mlir::ds;

namespace {

/// Ops that give the same results when run again: pure ops, and collectives
/// (every rank runs the step's ops in the same order, so a copy of a
/// collective meets the same copy on the other ranks).
bool isRecomputable(Operation *op) {
  return isPure(op) ||
         isa<AllToAllOp, AllGatherOp, ReduceScatterOp, AllReduceOp>(op);
}

/// Megatron's selective rule: the attention core and pointwise and layout
/// ops are recomputed; matmuls, norms, embeddings and collectives are kept.
/// With `collectives` (policy selective-comm), the collectives that only move
/// data (sequence parallelism's all-to-alls, all-gathers) join the chains
/// too: their outputs are not kept but fetched again, on every rank alike.
bool isSelectivelyRecomputed(Operation *op, bool collectives) {
  return op->hasTrait<OpTrait::Elementwise>() ||
         isa<AttentionOp, SoftmaxOp, LogSoftmaxOp, ReshapeOp, TransposeOp,
             SliceOp, SplitOp, ConcatOp, BroadcastOp, ConvertOp, ConstantOp,
             IotaOp, DropoutMaskOp, UniformOp>(op) ||
         (collectives && isa<AllToAllOp, AllGatherOp>(op));
}

class Checkpointer {
public:
  Checkpointer(func::FuncOp trainStep,
               const DenseMap<Operation *, dsc::StepPhase> &phases,
               const dsc::ForwardChain &chain)
      : phases(phases), chain(chain) {
    for (Operation &op : trainStep.front())
      position[&op] = position.size();
  }

  /// Recomputes, after the forward pass, the values of `group` (forward ops
  /// of block `block`, in program order) that later ops read, except
  /// `kept`. Leaves everything as it is where that cannot be done safely.
  void recompute(ArrayRef<Operation *> group, unsigned block, Value kept);

private:
  bool isForward(Operation *op) const {
    auto it = phases.find(op);
    return it != phases.end() && it->second == dsc::StepPhase::Forward;
  }
  /// The first op after the forward pass that reads `value`, if any.
  Operation *firstLaterUser(Value value) const;

  const DenseMap<Operation *, dsc::StepPhase> &phases;
  const dsc::ForwardChain &chain;
  DenseMap<Operation *, unsigned> position;
};

Operation *Checkpointer::firstLaterUser(Value value) const {
  Operation *first = nullptr;
  for (Operation *user : value.getUsers()) {
    auto it = position.find(user);
    if (isForward(user) || it == position.end())
      continue;
    if (!first || it->second < position.lookup(first))
      first = user;
  }
  return first;
}

void Checkpointer::recompute(ArrayRef<Operation *> group, unsigned block,
                             Value kept) {
  DenseSet<Operation *> inGroup(group.begin(), group.end());
  // What the backward reads: the group's activations with a later user.
  SmallVector<Value> needed;
  Operation *insertBefore = nullptr;
  for (Operation *op : group)
    for (Value result : op->getResults()) {
      if (result == kept || !chain.activations.contains(result))
        continue;
      Operation *user = firstLaterUser(result);
      if (!user)
        continue;
      needed.push_back(result);
      if (!insertBefore ||
          position.lookup(user) < position.lookup(insertBefore))
        insertBefore = user;
    }
  if (needed.empty())
    return;

  // The ops of the group they are computed by.
  DenseSet<Operation *> cloned;
  SmallVector<Operation *> worklist;
  for (Value value : needed)
    worklist.push_back(value.getDefiningOp());
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    // A read of an offloaded parameter is not repeated but read again
    // (below): its value comes in as an input.
    if (!inGroup.contains(op) || isa<ReloadOp, WaitOp>(op) ||
        !cloned.insert(op).second)
      continue;
    if (!isRecomputable(op))
      return;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        worklist.push_back(def);
  }
  // Everything else they read comes in as an input: saved values,
  // parameters, constants. Each must exist where the region goes.
  llvm::SetVector<Value> inputs;
  for (Operation *op : group)
    if (cloned.contains(op))
      for (Value operand : op->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (def && cloned.contains(def))
          continue;
        if (def && (!position.count(def) ||
                    position.lookup(def) >= position.lookup(insertBefore)))
          return;
        inputs.insert(operand);
      }

  OpBuilder builder(insertBefore);
  SmallVector<Type> resultTypes;
  for (Value value : needed)
    resultTypes.push_back(value.getType());
  Location loc = needed.front().getLoc();
  // An offloaded parameter the forward read is read again from its memory
  // space for the recomputation, rather than kept from the forward.
  SmallVector<Value> operands;
  for (Value input : inputs) {
    auto wait = input.getDefiningOp<WaitOp>();
    auto reload = wait ? wait.getInput().getDefiningOp<ReloadOp>() : nullptr;
    if (!reload || !isa<BlockArgument>(reload.getInput())) {
      operands.push_back(input);
      continue;
    }
    auto again = ReloadOp::create(builder, reload.getLoc(), reload.getInput(),
                                  reload.getSpace());
    operands.push_back(WaitOp::create(builder, reload.getLoc(), again));
  }
  auto region = RecomputeOp::create(builder, loc, resultTypes, operands,
                                    builder.getI64IntegerAttr(block));
  Block *body = builder.createBlock(&region.getBody());
  IRMapping mapping;
  for (Value input : inputs)
    mapping.map(input, body->addArgument(input.getType(), input.getLoc()));
  builder.setInsertionPointToStart(body);
  for (Operation *op : group)
    if (cloned.contains(op))
      builder.clone(*op, mapping);
  SmallVector<Value> yielded;
  for (Value value : needed)
    yielded.push_back(mapping.lookup(value));
  YieldOp::create(builder, loc, yielded);

  unsigned regionPosition = position.lookup(insertBefore);
  for (auto [value, recomputed] : llvm::zip(needed, region.getResults()))
    value.replaceUsesWithIf(recomputed, [&](OpOperand &use) {
      auto it = position.find(use.getOwner());
      return it != position.end() && it->second >= regionPosition &&
             !isForward(use.getOwner());
    });
}

/// The groups of block ops that selective recomputation copies: the
/// connected chains of attention, pointwise and layout ops (and data-moving
/// collectives with `collectives`).
SmallVector<SmallVector<Operation *>>
selectiveGroups(ArrayRef<Operation *> blockOps, bool collectives) {
  llvm::EquivalenceClasses<Operation *> chains;
  DenseSet<Operation *> selected;
  for (Operation *op : blockOps)
    if (isSelectivelyRecomputed(op, collectives)) {
      selected.insert(op);
      chains.insert(op);
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp();
            def && selected.contains(def))
          chains.unionSets(op, def);
    }
  SmallVector<SmallVector<Operation *>> groups;
  DenseMap<Operation *, unsigned> groupOf;
  for (Operation *op : blockOps) {
    if (!selected.contains(op))
      continue;
    Operation *leader = chains.getLeaderValue(op);
    auto [it, inserted] = groupOf.try_emplace(leader, groups.size());
    if (inserted)
      groups.emplace_back();
    groups[it->second].push_back(op);
  }
  return groups;
}

struct ActivationCheckpointPass
    : dsc::impl::ActivationCheckpointPassBase<ActivationCheckpointPass> {
  using ActivationCheckpointPassBase::ActivationCheckpointPassBase;

  LogicalResult initialize(MLIRContext *context) override {
    for (StringRef name : llvm::concat<const std::string>(
             ArrayRef<std::string>(policy), ArrayRef<std::string>(layers)))
      if (name == "auto")
        return emitError(UnknownLoc::get(context))
               << "ds-activation-checkpoint: policy auto is chosen by "
                  "ds-compile --ac auto --memory-budget (it compiles "
                  "candidates); give the pass layers= instead";
      else if (name != "none" && name != "full" && name != "selective" &&
               name != "selective-comm")
        return emitError(UnknownLoc::get(context))
               << "ds-activation-checkpoint: unknown policy '" << name
               << "' (none, selective, selective-comm or full)";
    return success();
  }

  void runOnOperation() override {
    if (policy == "none" && layers.empty())
      return;
    auto trainStep =
        getOperation().lookupSymbol<func::FuncOp>(DSDialect::kTrainStepFunc);
    if (!trainStep) {
      getOperation().emitError() << "ds-activation-checkpoint needs "
                                    "func.func @train_step (run -ds-autodiff "
                                    "first)";
      return signalPassFailure();
    }
    // Offloaded activations (-ds-offload activations=...) are reloaded,
    // not recomputed: one or the other.
    for (auto reload : trainStep.getOps<ReloadOp>())
      if (!isa<BlockArgument>(reload.getInput()))
        return reload.emitError()
                   << "ds-activation-checkpoint: the step offloads its "
                      "activations (-ds-offload activations); recompute or "
                      "offload them, not both",
               signalPassFailure();
    FailureOr<DenseMap<Operation *, dsc::StepPhase>> phases =
        dsc::computePhases(trainStep);
    if (failed(phases))
      return signalPassFailure();
    dsc::ForwardChain chain = dsc::analyzeForwardChain(trainStep, *phases);
    unsigned numLayers = llvm::count_if(
        chain.blocks, [](const dsc::ForwardBlock &b) { return b.repeated; });
    if (!layers.empty() && layers.size() != numLayers) {
      trainStep.emitError()
          << "ds-activation-checkpoint: layers names " << layers.size()
          << " policies but the step has " << numLayers << " layers";
      return signalPassFailure();
    }
    Checkpointer checkpointer(trainStep, *phases, chain);
    unsigned layer = 0;
    // The last block computes the loss: its backward starts at once.
    for (unsigned b = 0; b + 1 < chain.blocks.size(); ++b) {
      const dsc::ForwardBlock &block = chain.blocks[b];
      ArrayRef<Operation *> ops =
          ArrayRef(chain.ops).slice(block.begin, block.end - block.begin);
      Value output = chain.blocks[b + 1].input;
      StringRef policy = this->policy;
      if (!layers.empty())
        policy = block.repeated ? StringRef(layers[layer++]) : "none";
      if (policy == "none")
        continue;
      if (policy == "full") {
        checkpointer.recompute(ops, b, output);
        continue;
      }
      for (ArrayRef<Operation *> group :
           selectiveGroups(ops, policy == "selective-comm"))
        checkpointer.recompute(group, b, output);
    }
  }
};

} // namespace
