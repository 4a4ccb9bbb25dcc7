//===- Passes.td - dsc passes ------------------------------*- tablegen -*-===//

#ifndef DSC_TRANSFORMS_PASSES_TD
#define DSC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Import clean-up
//===----------------------------------------------------------------------===//

def RecognizeAttentionPass : Pass<"ds-recognize-attention", "::mlir::ModuleOp"> {
  let summary = "Recognise scaled dot-product attention written out in ops";
  let description = [{
    Rewrites `softmax(q · kᵀ · scale [+ mask]) · v` into one `ds.attention`.
    The causal mask is recognised from its constant values when it is
    - an additive tensor holding 0 on and below the diagonal and -inf above
      (a `triu` buffer sliced to the sequence length), or
    - a boolean tensor choosing -inf above the diagonal through `ds.select`
      (`masked_fill(tril == 0, -inf)`);
    no mask gives non-causal attention. The scale may be a multiplication
    (of the scores or of q) or a division of the scores by a constant, and
    element type conversions may stand around the softmax. Keys and values
    repeated over heads (`repeat_kv`'s expand + reshape, or
    `repeat_interleave`) become grouped-query attention with the original,
    fewer heads. The replaced ops, masks included, are left dead and erased.
  }];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

//===----------------------------------------------------------------------===//
// Training step
//===----------------------------------------------------------------------===//

def AutodiffPass : Pass<"ds-autodiff", "::mlir::ModuleOp"> {
  let summary = "Turn the forward loss function into a training step";
  let description = [{
    Differentiates `func.func @forward`, which returns a 0-d float loss, in
    reverse mode with respect to its `ds.trainable` arguments, applies the
    optimizer update and replaces `@forward` by `func.func @train_step`:

    - arguments: every parameter of `@forward` (`ds.role = "parameter"`),
      then the optimizer state (`ds.role = "state"`: for AdamW
      `exp_avg.<p>` and `exp_avg_sq.<p>` per trainable parameter and one
      `step : tensor<i64>`; for SGD with momentum `momentum_buffer.<p>`),
      then the model inputs (`ds.role = "input"`);
    - results: the loss (`ds.role = "loss"`), then the new value of every
      trainable parameter, every state value and the step, each marked
      `ds.updates = "<name of the argument it replaces>"`.

    Each op's gradient comes from its `VJPOpInterface`; gradients of values
    with several uses are summed with `ds.add`. An op on the gradient path
    without the interface is an error. docs/autodiff.md has the contract.

    ```mlir
    func.func @train_step(%w: tensor<8x4xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
                          %m: tensor<8x4xf32> {ds.name = "exp_avg.w", ds.role = "state"},
                          %v: tensor<8x4xf32> {ds.name = "exp_avg_sq.w", ds.role = "state"},
                          %t: tensor<i64> {ds.name = "step", ds.role = "state"},
                          %x: tensor<2x4xf32> {ds.name = "x", ds.role = "input"})
        -> (tensor<f32> {ds.role = "loss"}, tensor<8x4xf32> {ds.updates = "w"},
            tensor<8x4xf32> {ds.updates = "exp_avg.w"},
            tensor<8x4xf32> {ds.updates = "exp_avg_sq.w"},
            tensor<i64> {ds.updates = "step"})
    ```
  }];
  let options = [
    Option<"optimizer", "optimizer", "std::string", "\"adamw\"",
           "The optimizer: adamw (torch.optim.AdamW) or sgd (torch.optim.SGD)">,
    Option<"lr", "lr", "double", "1e-3", "Learning rate">,
    Option<"beta1", "beta1", "double", "0.9", "AdamW's first moment decay">,
    Option<"beta2", "beta2", "double", "0.999", "AdamW's second moment decay">,
    Option<"eps", "eps", "double", "1e-8", "AdamW's denominator epsilon">,
    Option<"weightDecay", "weight-decay", "double", "-1.0",
           "Weight decay; negative (the default) takes the optimizer's "
           "PyTorch default: 0.01 for adamw, 0 for sgd">,
    Option<"momentum", "momentum", "double", "0.0", "SGD momentum">,
    Option<"fused", "fused", "bool", "false",
           "Fused updates, as torch.optim's fused=True (marks each update "
           "`fused`)">,
    Option<"maxGradNorm", "max-grad-norm", "double", "0.0",
           "Clip the gradients to this global L2 norm before the updates, as "
           "torch.nn.utils.clip_grad_norm_ (0: no clipping)">,
    Option<"lrSchedule", "lr-schedule", "std::string", "\"constant\"",
           "Learning rate schedule (adamw): constant, linear or cosine, as "
           "Hugging Face's get_*_schedule_with_warmup">,
    Option<"warmupSteps", "warmup-steps", "int64_t", "0",
           "Steps of linear warm-up from 0">,
    Option<"totalSteps", "total-steps", "int64_t", "0",
           "Steps over which linear and cosine decay (warm-up included)">,
    Option<"minLrRatio", "min-lr-ratio", "double", "0.0",
           "The cosine schedule's floor, a fraction of lr">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect",
                           "::mlir::func::FuncDialect"];
}

//===----------------------------------------------------------------------===//
// Distribution
//===----------------------------------------------------------------------===//

// The mesh and the inputs to split, as the passes that need them take them.
defvar meshOptions = [
  Option<"dp", "dp", "int64_t", "1", "Data-parallel ranks">,
  Option<"sp", "sp", "int64_t", "1", "Sequence-parallel ranks">,
  Option<"seqDims", "seq-dims", "std::string", "\"\"",
         "Sequence dimension of inputs: name:dim,... (default: 1 for every "
         "integer input of rank >= 2)">,
  Option<"batchDims", "batch-dims", "std::string", "\"\"",
         "Batch dimension of inputs, split over dp: name:dim,... "
         "(default: 0)">,
];

def InputRangesPass : Pass<"ds-input-ranges", "::mlir::ModuleOp"> {
  let summary = "Record on each integer input the values its indexing ops "
                "accept";
  let description = [{
    Follows each integer input of `@train_step` through ops that keep every
    value (reshape, transpose, broadcast, concat, stop_gradient, widening
    converts) to the ops that index with it (DS_IndexingOpInterface: an
    embedding's rows, a loss's classes and `ignore_index`) and writes what
    all of them accept on the argument:
    `ds.valid_range = array<i64: lo, hi>` (values in [lo, hi)) or
    `array<i64: lo, hi, v>` (v besides). ds-run checks the user's data
    against it as it reads it, naming the file, the offset and the value,
    instead of failing inside a kernel. An input that reaches an indexing op
    only through other ops (a slice: part of it is not an index) gets no
    range: nothing is guessed.
  }];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def DecomposeMeanLossPass
    : Pass<"ds-decompose-mean-loss", "::mlir::ModuleOp"> {
  let summary = "Rewrite mean losses into a sum over the tokens divided by "
                "their count";
  let description = [{
    Rewrites each mean cross-entropy of `@train_step` into its sum over the
    tokens that count divided by their count, and its gradient into the sum
    form's gradient scaled by 1 / count. Mathematically the same; once the
    tokens are split over ranks, the sum and the count are completed by
    all-reduces, which makes the loss the global mean over all tokens that
    count, not a mean of per-rank means. `-ds-sequence-parallel` runs it
    first when there is more than one rank.
  }];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def PadAttentionHeadsPass
    : Pass<"ds-pad-attention-heads", "::mlir::ModuleOp"> {
  let summary = "Make attention heads divisible by sp (repeat kv heads, pad "
                "query heads with zero heads)";
  let description = [{
    Ulysses gives every rank whole heads, so `sp` must divide the heads of
    every `ds.attention` of `@train_step`:
    - key/value heads fewer than `sp` are repeated to lcm(Hkv, sp) when the
      query heads are divisible;
    - query heads that `sp` does not divide: the key/value heads are
      repeated up to the query heads, and all heads are padded with zero
      heads up to the next multiple of `sp` (a zero query and key attend
      uniformly to zero values, so padded heads compute zeros and get zero
      gradients); the results are cut back to the real heads.
  }];
  let options = [
    Option<"sp", "sp", "int64_t", "1", "Sequence-parallel ranks">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def PadSequencePass : Pass<"ds-pad-sequence", "::mlir::ModuleOp"> {
  let summary = "Grow sequences that sp does not divide to the next multiple, "
                "exactly";
  let description = [{
    A sequence dimension (of the inputs that `-ds-propagate-sharding` would
    split, chosen by the same options) that `sp` does not divide is padded
    at its end to the next multiple (the user still supplies the real
    length: `ds.data_shape`), and the padding is carried through the step by
    the ops' sharding rules so that the step stays exact: labels' padding is
    `ignore_index`, sums mask it to 0, maxima to -inf, means are rescaled to
    the real count, causal attention keeps it (no real query sees a padded
    key), non-causal attention is told its real key length, and anything
    else that needs the whole dimension gets the real part only.
  }];
  let options = meshOptions;
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def PropagateShardingPass
    : Pass<"ds-propagate-sharding", "::mlir::ModuleOp"> {
  let summary = "Decide how every value of the training step is split over a "
                "dp x sp mesh";
  let description = [{
    Declares `ds.mesh @mesh` (`dp` major, axes of size 1 left out) and
    splits every integer model input of `@train_step` (and every input that
    `seq-dims` or `batch-dims` names) along its batch dimension (0, or as
    `batch-dims` says) over `dp` and its sequence dimension (1, or as
    `seq-dims` says) over `sp` (`ds.sharding` on the argument); parameters
    and optimizer state stay replicated. With one rank it only checks the
    names in `seq-dims` and `batch-dims`.

    The sharding then propagates through the step by each op's sharding
    rule (`DS_ShardingRuleOpInterface`), never by op-specific code, and
    every decision is written into the IR:
    - `ds.shardings = [#ds.sharding<...>, ...]` on each op with a split
      operand: how each of its results is split, and over which axes it is
      partial (a split summed-over factor: a contraction, a reduction, the
      tokens of the loss);
    - `ds.reshard` ops where a value must change how it is split: before an
      op that needs another split (a factor that must be whole moves onto
      another factor of the same operand, as Ulysses moves the sequence
      onto the heads, or is gathered; a replicated operand meeting a split
      factor takes its own piece), and after one whose results are partial
      (completed) or whose split must move back.
    Types stay global; `-ds-partition` materialises the decisions.
    `-debug-only=ds-propagate-sharding` explains them op by op.
  }];
  let options = meshOptions;
  let statistics = [
    Statistic<"numSharded", "sharded-ops", "Ops with a split operand">,
    Statistic<"numReshards", "reshards", "ds.reshard ops inserted">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def PartitionPass : Pass<"ds-partition", "::mlir::ModuleOp"> {
  let summary = "Materialise the shardings that -ds-propagate-sharding wrote";
  let description = [{
    Turns the decisions in the IR into a per-rank program: every
    `ds.reshard` becomes the collectives that realise it (`ds.all_reduce`
    for its input's partial axes, one per reduction kind; `ds.all_to_all`
    where a split moves from one piece to another; `ds.all_gather` where a
    split piece must become whole; `ds.local_slice` where a whole piece
    must be split), on a view whose dimensions are the pieces both
    shardings agree on; every value takes the local type its sharding
    gives; ops adapt their attributes to local shapes
    (`localizeAttributes`). The `ds.shardings` attributes are consumed;
    the arguments keep their `ds.sharding`. Without a `ds.mesh` there is
    nothing to do.
  }];
  let statistics = [
    Statistic<"numCollectives", "collectives", "Collectives created">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def ZeroPass : Pass<"ds-zero", "::mlir::ModuleOp"> {
  let summary = "Shard the optimizer state (ZeRO stage 1), the gradients "
                "(stage 2) and the parameters (stage 3) over every rank "
                "that holds a replica";
  let description = [{
    Runs between `-ds-propagate-sharding` and `-ds-partition`, and only
    writes shardings: the partitioner inserts the collectives. The ZeRO
    group is the whole mesh (`dp` x `sp`: sequence-parallel ranks hold the
    same parameters). Every optimizer update (DS_OptimizerUpdateOpInterface)
    then runs on a flat view of its parameter, padded with zeros to a
    multiple of the ranks, `ranks * ceil(numel / ranks)` elements, split
    over the mesh axes major to minor: rank `r` holds the `r`-th contiguous
    piece. The padding holds zeros in the parameter, the gradient and the
    state, so the update leaves it zero; it is cut off again.
    - stage 1: the optimizer state arguments (`ds.role = "state"`, read
      only by their update) take that flat type and a `ds.sharding`: each
      rank keeps 1/N of them. The completed gradient and the parameter are
      sliced (`ds.local_slice`, no data moves), the new parameter is
      gathered whole (`ds.all_gather`) and cut back to its shape.
    - stage 2: also the gradients: the update reads the gradient's partial
      sum (flattened, still partial) instead of its completion, so that the
      partitioner completes it with a `ds.reduce_scatter` that leaves each
      rank only its piece, instead of an all-reduce of the whole.
    - stage 3: also the parameters: a trainable parameter argument takes
      the flat type, a `ds.sharding` and `ds.data_shape` (its whole shape,
      which the runtime reads from the weights file and slices); the update
      reads and returns the piece. Every other reader reads the parameter
      whole from a gather (a reshard to whole, cut back to its shape) that
      is placed right before the first reader of each phase (forward,
      backward): the whole dies after its phase's last reader, and the
      backward gathers it again, except for the `keep-whole` parameters
      whose forward gathers come last (those of the last layers, whose
      copies live shortest until the backward): they keep the forward's
      copy for the backward, one gather for both (selective unsharding:
      fewer collectives for more memory; `ds-compile --memory-budget`
      chooses how many). With `prefetch` = d, the gather for a phase's
      i-th reader is issued right before its (i - d)-th reader, so that a
      runtime with a communication stream overlaps it with the compute in
      between (the CPU runtime runs in order: the plan records the
      intent, and the wholes live longer by d readers).
    Stage 0 changes nothing; without a `ds.mesh` (one rank) neither does
    any stage. What the step computes is unchanged up to the order of the
    sums.
  }];
  let options = [
    Option<"stage", "stage", "int64_t", "0", "ZeRO stage: 0, 1, 2 or 3">,
    Option<"prefetch", "prefetch", "int64_t", "0",
           "At stage 3: how many readers early each phase's parameter "
           "gathers are issued (0: right before their reader)">,
    Option<"keepWhole", "keep-whole", "int64_t", "0",
           "At stage 3: how many parameters, latest forward gather first, "
           "keep the forward's gathered copy for the backward">,
  ];
  let statistics = [
    Statistic<"numSharded", "sharded-updates", "Optimizer updates sharded">,
    Statistic<"numGathers", "parameter-gathers",
              "Gathers of stage-3 parameters before their readers">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def OffloadPass : Pass<"ds-offload", "::mlir::ModuleOp"> {
  let summary = "Keep optimizer state, parameters and saved activations in host memory or on NVMe";
  let description = [{
    With `optimizer=nvme` or `cpu`, every floating-point optimizer state
    argument of the training step (`ds.role = "state"`: AdamW's moments,
    SGD's momentum; under ZeRO the rank's piece) gets `ds.memory_space` of
    that name: the runtime keeps it in a swap file per rank (nvme) or in
    host memory (cpu; pinned on a GPU) instead of device memory. With
    `params=nvme` or `cpu` the same goes for every floating-point parameter
    (`ds.role = "parameter"`; under ZeRO 3 the rank's piece, which its
    gathers read). The readers of such an argument in each phase of the
    step (forward, backward, update) read one `ds.reload` of it placed
    before the first of them, and the new value the step returns goes
    through a `ds.offload` right after the op that computes it: between
    its readers the argument is not in device memory.

    With `activations=cpu` or `nvme`, every floating-point value the
    forward computes and the backward reads again (of at least
    `activation-min-bytes`) goes through a `ds.offload` right after the op
    that computes it, and the backward reads a `ds.reload` of it placed
    before its first reader there: only activations in transit are in
    device memory between the forward and the backward. Not with
    recomputation (a step with `ds.recompute` is refused).

    Each transfer ends at a `ds.wait` right after it (synchronous);
    -ds-place-transfers moves them apart to overlap the transfers. The
    values are unchanged: the same kernels run on the same bytes. `none`
    changes nothing. Runs on the finished step (after -ds-zero and the
    partitioner).
  }];
  let options = [
    Option<"optimizer", "optimizer", "std::string", "\"none\"",
           "Where the optimizer state lives between steps: none (memory), "
           "cpu (host memory) or nvme">,
    Option<"params", "params", "std::string", "\"none\"",
           "Where the parameters live between their readers: none "
           "(memory), cpu (host memory) or nvme">,
    Option<"activations", "activations", "std::string", "\"none\"",
           "Where saved activations wait for the backward: none (memory), "
           "cpu (host memory) or nvme">,
    Option<"activationMinBytes", "activation-min-bytes", "int64_t", "0",
           "Offload only activations of at least this many bytes">,
  ];
  let statistics = [
    Statistic<"numOffloaded", "offloaded-state", "State arguments offloaded">,
    Statistic<"numParams", "offloaded-params", "Parameters offloaded">,
    Statistic<"numActivations", "offloaded-activations",
              "Saved activations offloaded">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def HostUpdatesPass : Pass<"ds-host-updates", "::mlir::ModuleOp"> {
  let summary = "Run the updates of state in host memory on the host (ZeRO-Offload)";
  let description = [{
    Every optimizer update whose state (`ds.role = "state"`, floating
    point) is all in host memory (`ds.memory_space = "cpu"`, from
    `-ds-offload optimizer=cpu`) gets `on_host`: it runs on the host's
    processor, on host memory. It reads that state, and a parameter kept
    in host memory (`params=cpu`), where it is rather than through a
    `ds.reload`, and writes their new values there rather than through a
    `ds.offload`. What else it reads (the gradient; a parameter in device
    memory) goes to host memory through a `ds.offload` right after the op
    that computes it, waited for right before the update; a result that
    something else reads or that updates an argument in device memory
    comes back through a `ds.reload` right after the update. One-element
    integers (AdamW's step count) stay in device memory: the runtime reads
    them on the host. For AdamW in fp32 the bytes moved per parameter and
    step fall from 16 (both moments in and out) to 12 (gradient and
    parameter out, parameter in), to 4 with the parameter in host memory
    too (the gradient out; its forward and backward reloads as before).
    The values are unchanged: the same kernels on the same bytes. Runs
    after -ds-offload; an update with state elsewhere (device memory,
    NVMe) stays where it is.

    With `master-copies` (the default) a parameter in device memory, whole
    or the piece ZeRO cuts for the update, gets a master copy in host
    memory as in ZeRO-Offload: a new state argument "master.<parameter>"
    in "cpu" with `ds.copy_of` naming the parameter (the runtime loads it
    from the parameter's weights, its flat piece where it has
    `ds.data_shape`), which the update reads and writes in place. The new
    parameter still comes back; the old one no longer goes out: 12 -> 8
    bytes moved per fp32 parameter and step. The copy and the parameter
    hold the same bytes at every step.
  }];
  let options = [
    Option<"masterCopies", "master-copies", "bool", /*default=*/"true",
           "Keep a master copy of each parameter in device memory in host "
           "memory rather than sending the parameter out every step">,
  ];
  let statistics = [
    Statistic<"numHostUpdates", "host-updates", "Updates moved to the host">,
    Statistic<"numMasterCopies", "master-copies",
              "Parameters given a master copy in host memory">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def PlaceTransfersPass : Pass<"ds-place-transfers", "::mlir::ModuleOp"> {
  let summary = "Overlap reloads and offloads with compute (the cost model)";
  let description = [{
    Moves each `ds.reload` earlier than its `ds.wait`, over the ops of the
    scheduled step, until the ops between them take as long, by the cost
    model of `hardware`, as the read (the NVMe's latency plus the bytes
    over its bandwidth): the prefetch distance. The link (the disk, or the
    host link) serves the reads one at a time in the order they are
    needed, so a read also starts early enough to be over when the next
    one must begin to be over by its own wait. Then it plays the step on
    the model, each link serving the transfers in the order they start,
    and moves each offload's `ds.wait` to the first op at whose end the
    write is over, behind what was queued before it. A transfer holds its
    buffer from its start to its wait, so the bytes of the transfers in
    flight in either direction stay within `in-flight-bytes` (0: the
    largest transfer); where the budget, a reader of the written value or
    the step's start or end stops it first, the rest of the transfer is
    not hidden (the report's `offload.hidden_seconds`). The positions are
    the decision: the ops between a transfer and its wait are what it
    overlaps. With `overlap=false` every transfer stays synchronous
    (distance 0). Runs
    after -ds-schedule; changes no value.
  }];
  let options = [
    Option<"hardware", "hardware", "std::string", "\"cpu\"",
           "A hardware preset or JSON file (CostModel.h)">,
    Option<"overlap", "overlap", "bool", "true",
           "Overlap transfers with compute (false: wait at once)">,
    Option<"inFlightBytes", "in-flight-bytes", "int64_t", "0",
           "Bytes in flight per direction at most (0: the largest "
           "transfer)">,
  ];
  let statistics = [
    Statistic<"numMoved", "moved-transfers",
              "Transfers moved away from their wait">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def TestPrintShardingRulesPass
    : Pass<"ds-test-print-sharding-rules", "::mlir::ModuleOp"> {
  let summary = "Print every op's sharding rule as a remark (for tests)";
  let description = [{
    For every op with `DS_ShardingRuleOpInterface`, emits the remark
    `sharding rule (operands)->(results) {factor sizes} kinds...` with the
    factors named i, j, k, ... in the order the rule adds them: `sum`,
    `mean`, `max` list the reduction factors, `whole` those that must not
    be split, `paddable` and `maskable` the factors sequence padding may
    grow, `move` the preferred targets of an axis that must leave a whole
    factor, `padding` the values padded operand positions must hold.
  }];
}

def TrimAllToAllPass : Pass<"ds-trim-all-to-all", "::mlir::ModuleOp"> {
  let summary = "Send only the real part of all-to-alls over padded tensors";
  let description = [{
    Ulysses over query heads that `sp` does not divide pads the heads with
    zero heads (`-ds-partition`), so that every rank holds the same number;
    moving those zeros is wasted bandwidth. This pass gives an all-to-all
    `real_dim` and `real_sizes` (unequal splits: each rank sends and receives
    only the real part of each piece, and writes zeros in the rest) where
    the trailing part of one dimension is
    - zero in its input: the input is a `ds.pad` at the low end of that
      dimension, possibly masked by `ds.select` with a zero fill (the q, k,
      v and output gradient going to head-split), or
    - unused in its result: every use is a `ds.slice` that keeps only a
      leading range of that dimension (the output and the q, k, v gradients
      coming back, cut to the real heads).
    What the step computes does not change.
  }];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def FuseAllToAllPass : Pass<"ds-fuse-all-to-all", "::mlir::ModuleOp"> {
  let summary = "Move sibling tensors with one all-to-all instead of several";
  let description = [{
    All-to-alls over the same mesh axes and dimensions whose inputs feed one
    op (q, k and v of an attention) or come from one op (the gradients of
    an attention) become one all-to-all. Each input is viewed with its split
    dimension as [n, size / n] and the views are concatenated along one
    dimension in which the tensors may differ; each group takes the packing
    that joins the most of its siblings:
    - along size / n, when the shapes are equal outside the split dimension
      (the forward of grouped-query attention moves 8 query heads and 2
      key/value heads together to head-split): the result is split apart
      along the same dimension;
    - along the concat dimension, when they are equal outside it (their
      gradients going back to sequence-split): what rank `j` sent is block
      `j` of the received concat dimension, viewed as [n, sum of the sizes],
      split into the pieces and each flattened back to n * size.
    Trimmed all-to-alls (`real_sizes`, `-ds-trim-all-to-all`) join only
    others with the same input type and real sizes, packed along size / n
    and viewed as [k, size / n], so each keeps its real prefix.
    One collective instead of three pays one latency and one
    synchronisation.
  }];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def BucketCollectivesPass
    : Pass<"ds-bucket-collectives", "::mlir::ModuleOp"> {
  let summary = "Move many small tensors with few large collectives";
  let description = [{
    Groups consecutive collectives of one kind over the same mesh axes,
    reduction and element type into buckets of at most `bucket-bytes`, so
    that the gradients of many parameters are reduced (and, under ZeRO,
    their new pieces gathered) with a few large collectives instead of one
    small one each:
    - all-reduces: a flat concatenation of the tensors;
    - reduce-scatters and all-gathers where nothing precedes their
      dimension (each rank's piece is contiguous: ZeRO's flat pieces): each
      input viewed as [n, m] (reduce-scatter over n ranks) or [1, m]
      (all-gather), concatenated along m, so that every rank still receives
      exactly its pieces.
    A bucket is only formed where no result is read before its last member:
    the fused collective goes right after that member. Kinds do not end
    each other's buckets. ZeRO stage 3's gathers of parameter arguments
    (adjacent where they are prefetched) are packed unless
    `parameter-gathers=false`: the packing concatenates the pieces and
    splits the result, copies that can raise the peak. Reduce-scatters
    (ZeRO stage 2 and 3's gradients) are packed unless
    `reduce-scatters=false`: a bucket's earlier gradients then wait whole
    for its last member, and the packing copies them once more.
  }];
  let options = [
    Option<"bucketBytes", "bucket-bytes", "int64_t", "25 * 1024 * 1024",
           "Largest bucket in bytes (DeepSpeed's reduce_bucket_size default)">,
    Option<"parameterGathers", "parameter-gathers", "bool", "true",
           "Pack all-gathers of parameter arguments too (ZeRO stage 3's; "
           "false: each gathers into its own buffer, no packing copies, "
           "DeepSpeed's stage3_allgather_sequential)">,
    Option<"reduceScatters", "reduce-scatters", "bool", "true",
           "Pack reduce-scatters (ZeRO's gradients; false: each is reduced "
           "on its own buffer as soon as it is complete)">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def TestPrintCostsPass : Pass<"ds-test-print-costs", "::mlir::ModuleOp"> {
  let summary = "Print every op's cost as a remark (for tests)";
  let description = [{
    For every op with `DS_CostOpInterface` outside a `ds.recompute` body,
    emits the remark `<op> flops=F read=R written=W` and ` matrix` where
    it runs at matrix-unit throughput.
  }];
}

def ActivationCheckpointPass
    : Pass<"ds-activation-checkpoint", "::mlir::ModuleOp"> {
  let summary = "Recompute forward values in the backward pass instead of "
                "keeping them";
  let description = [{
    Cuts the forward pass of `@train_step` into a chain of blocks where one
    activation (the residual stream) is carried from one to the next, and
    groups the blocks that repeat into layers (`ForwardChain.h`). For every
    block but the last (the one that computes the loss), the values the
    backward pass reads are recomputed, per `policy`:
    - `full`: everything the backward reads from the block is recomputed
      from the block's input (Megatron's full recomputation: each layer
      keeps only its input), in one region placed before the block's first
      backward op;
    - `selective`: the attention core and the chains of pointwise and
      layout ops (Megatron's selective rule) are recomputed from the saved
      results of the other ops (matmuls, norms, embeddings, collectives),
      each chain in a region placed before its first backward use;
    - `selective-comm`: `selective`, and the collectives that only move data
      (all-to-all, all-gather) join the chains: under sequence parallelism
      the attention's all-to-alls run again instead of their outputs being
      kept (they cost link time; their inputs are usually kept anyway);
    - `none`: nothing changes.
    With `layers`, each layer (repeated block) gets its own policy and the
    blocks outside the repeated run get `none`.
    Each region is a `ds.recompute` op, isolated from the step so that CSE
    cannot merge it back into the forward; it runs the same ops on the same
    values as the forward, so loss and gradients are bit-identical to the
    step without it. Ops that cannot be recomputed safely (any op with side
    effects other than a collective) keep their block's values saved. Run it
    after sharding (a region copies the collectives of its block, which all
    ranks then run again alike) and before `ds-lower-to-runtime`.
  }];
  let options = [
    Option<"policy", "policy", "std::string", "\"full\"",
           "What to recompute: none, selective, selective-comm or full">,
    ListOption<"layers", "layers", "std::string",
               "A policy per layer (the repeated blocks, in order) instead "
               "of `policy`; the other blocks then keep everything "
               "(ds-compile --ac auto chooses these)">,
  ];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def SchedulePass : Pass<"ds-schedule", "::mlir::ModuleOp"> {
  let summary = "Order the step to lower its peak memory, results unchanged";
  let description = [{
    Moves every op of the optimizer phase of `@train_step` (the parameter
    updates and what only they read) as early as its operands allow: right
    after the last op that defines one of them and after every other reader
    of the parameters and optimizer state it overwrites (the update is
    written in place). Each gradient then dies at its update instead of
    living to the end of the backward pass, and with data parallelism a
    bucket's updates follow its all-reduce. Only the order changes: the same
    ops run on the same values, so loss, gradients and updated parameters
    are bit-identical to the unscheduled step. Run it after
    `ds-activation-checkpoint` (a recompute region reads parameters too) and
    before `ds-lower-to-runtime`, which places buffers by liveness.
  }];
  let dependentDialects = ["::mlir::ds::DSDialect"];
}

def OverlapUpdatesPass : Pass<"ds-overlap-updates", "::mlir::ModuleOp"> {
  let summary = "Let each optimizer update run beside the backward after it";
  let description = [{
    Marks every optimizer update of `@train_step` that has compute after it
    (an op other than another update, a transfer, a wait or a reshape:
    `ds::isOverlappedCompute`) `beside N`: ds-run runs it on its side
    thread, with the offload of what it writes, while the step's thread
    goes on with the backward of the layers before it (ZeRO-Offload's host
    update overlapped with the backward). N is how many compute ops it
    overlaps: on the cost model of `hardware`, the side thread takes the
    updates in order, each when the step gets to it and the one before is
    over, and N counts the compute ops that begin before it is over (at
    least one). -ds-lower-to-runtime keeps what a marked update reads and
    writes in the arena until the last of them, so that the ops in between
    do not reuse its bytes: the planned memory grows by that, and the
    runtime waits for the update where an op still touches them (an
    estimate too short costs a wait, never a value). The values are
    unchanged. Run after -ds-schedule (which puts each update right after
    its gradient) and before -ds-lower-to-runtime. With `on-host-only`
    (ds-compile's GPU plans) only the updates on the host are marked: the
    side thread runs them on the CPU while the GPU goes on with the
    backward, as ZeRO-Offload does; the ones on the device stay in order.
  }];
  let dependentDialects = ["::mlir::ds::DSDialect"];
  let options = [
    Option<"hardware", "hardware", "std::string", "\"cpu\"",
           "A hardware preset or JSON file (CostModel.h)">,
    Option<"onHostOnly", "on-host-only", "bool", "false",
           "Mark only the updates on the host (`on_host`): a GPU plan's "
           "updates on the device already go on in the stream's order">,
  ];
  let statistics = [
    Statistic<"numBeside", "updates", "Updates marked to run beside">,
  ];
}

#endif // DSC_TRANSFORMS_PASSES_TD
