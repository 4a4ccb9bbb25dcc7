//===- Passes.h - dsc passes and pipelines ----------------------*- C++ -*-===//

#ifndef DSC_TRANSFORMS_PASSES_H
#define DSC_TRANSFORMS_PASSES_H

#include "dsc/Dialect/DS/IR/DSDialect.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace dsc {

#define GEN_PASS_DECL
#include "dsc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dsc/Transforms/Passes.h.inc"

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

/// Import clean-up: canonicalize, recognise attention, then canonicalize and
/// CSE again so that masks and other dead constants disappear.
void addImportCleanupPipeline(mlir::OpPassManager &pm);

/// Options of the sequence-parallel pipeline (`-ds-sequence-parallel`): the
/// mesh and the sequence dimensions that `-ds-partition` takes.
struct SequenceParallelOptions
    : public mlir::PassPipelineOptions<SequenceParallelOptions> {
  Option<int64_t> sp{*this, "sp",
                     llvm::cl::desc("Sequence-parallel ranks (Ulysses)"),
                     llvm::cl::init(1)};
  Option<int64_t> dp{*this, "dp", llvm::cl::desc("Data-parallel ranks"),
                     llvm::cl::init(1)};
  Option<std::string> seqDims{
      *this, "seq-dims",
      llvm::cl::desc("Sequence dimension of inputs: name:dim,... (default: "
                     "1 for every integer input of rank >= 2)"),
      llvm::cl::init("")};
  Option<std::string> batchDims{
      *this, "batch-dims",
      llvm::cl::desc("Batch dimension of inputs, split over dp: "
                     "name:dim,... (default: 0)"),
      llvm::cl::init("")};
  Option<int64_t> zero{
      *this, "zero",
      llvm::cl::desc("ZeRO stage over all dp x sp ranks (-ds-zero): 0, 1 "
                     "(optimizer state), 2 (and gradients) or 3 (and "
                     "parameters)"),
      llvm::cl::init(0)};
  Option<int64_t> zeroPrefetch{
      *this, "zero-prefetch",
      llvm::cl::desc("At ZeRO stage 3: how many readers early each "
                     "parameter gather is issued (-ds-zero prefetch)"),
      llvm::cl::init(0)};
  Option<bool> zeroCoalesce{
      *this, "zero-coalesce",
      llvm::cl::desc("At ZeRO stage 3: pack adjacent parameter gathers "
                     "into buckets (-ds-bucket-collectives "
                     "parameter-gathers); false: sequential"),
      llvm::cl::init(true)};
  Option<bool> zeroCoalesceGradients{
      *this, "zero-coalesce-gradients",
      llvm::cl::desc("At ZeRO stages 2 and 3: pack the gradients' "
                     "reduce-scatters into buckets (-ds-bucket-collectives "
                     "reduce-scatters); false: each is reduced as soon as "
                     "it is complete"),
      llvm::cl::init(true)};
  Option<int64_t> zeroKeepWhole{
      *this, "zero-keep-whole",
      llvm::cl::desc("At ZeRO stage 3: how many parameters keep the "
                     "forward's gathered copy for the backward (-ds-zero "
                     "keep-whole)"),
      llvm::cl::init(0)};
};

/// The passes that split a training step (after `-ds-autodiff`) over a
/// `dp` x `sp` mesh (`-ds-shard`): with more than one rank
/// `-ds-decompose-mean-loss`, `-ds-pad-attention-heads` and
/// `-ds-pad-sequence`; then `-ds-propagate-sharding` (which alone checks the
/// input names with one rank), `-ds-zero` (with a stage) and
/// `-ds-partition`.
void addShardingPipeline(mlir::OpPassManager &pm,
                         const SequenceParallelOptions &options);

/// Data and sequence parallelism for a training step (after `-ds-autodiff`):
/// `-ds-shard` over a `dp` x `sp` mesh, `-ds-trim-all-to-all` (padded
/// heads are not moved), then `-ds-fuse-all-to-all`, so
/// that each attention has one all-to-all before and one after it in the
/// forward and the transposed pair in the backward. `ds-compile --dp --sp`
/// runs this pipeline.
void addSequenceParallelPipeline(mlir::OpPassManager &pm,
                                 const SequenceParallelOptions &options);

/// Registers every dsc pass and pipeline with the command line.
void registerAllPassesAndPipelines();

} // namespace dsc

#endif // DSC_TRANSFORMS_PASSES_H
