//===- ForwardChain.h - the forward pass as a chain of blocks ---*- C++ -*-===//
//
// A transformer's forward pass is a chain: between two layers (and between
// a layer's attention and MLP halves) exactly one activation, the residual
// stream, is carried on. Cutting the forward ops where that holds gives the
// blocks activation checkpointing recomputes from their one input; blocks
// that repeat (the layers) are grouped by comparing their ops. Found by data
// flow alone: no module names, no model-specific patterns.
//
// "Activations" here are values that depend on both a model input and a
// trainable parameter; values computed from inputs alone (masks, labels,
// position ids) or from parameters and constants alone (rotary tables) may
// cross any number of blocks: they are kept, not recomputed.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ANALYSIS_FORWARDCHAIN_H
#define DSC_ANALYSIS_FORWARDCHAIN_H

#include "dsc/Analysis/StepPhases.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

namespace dsc {

/// Forward ops [begin, end) of ForwardChain::ops.
struct ForwardBlock {
  unsigned begin = 0;
  unsigned end = 0;
  /// The one activation that enters the block (null for the first).
  mlir::Value input;
  /// True for the blocks of the longest run of repeated blocks (the layers).
  bool repeated = false;
};

struct ForwardChain {
  /// The forward ops of the step, in program order.
  llvm::SmallVector<mlir::Operation *> ops;
  llvm::SmallVector<ForwardBlock> blocks;
  /// The block of every forward op.
  llvm::DenseMap<mlir::Operation *, unsigned> blockOf;
  /// The forward values that depend on a model input and a trainable
  /// parameter.
  llvm::DenseSet<mlir::Value> activations;
};

/// Cuts the forward ops of `trainStep` (as `phases` classifies them) into
/// blocks. With no cut point the whole forward pass is one block.
ForwardChain
analyzeForwardChain(mlir::func::FuncOp trainStep,
                    const llvm::DenseMap<mlir::Operation *, StepPhase> &phases);

} // namespace dsc

#endif // DSC_ANALYSIS_FORWARDCHAIN_H
