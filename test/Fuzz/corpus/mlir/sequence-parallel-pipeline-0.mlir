
// The pipeline is the passes of -ds-shard with their options,
// -ds-trim-all-to-all, then -ds-fuse-all-to-all.
// PIPELINE: ds-autodiff
// PIPELINE-NEXT: ds-decompose-mean-loss,
// PIPELINE-NEXT: ds-pad-attention-heads{sp=2},
// PIPELINE-NEXT: ds-pad-sequence{batch-dims= dp=2 seq-dims=tokens:1 sp=2},
// PIPELINE-NEXT: ds-propagate-sharding{batch-dims= dp=2 seq-dims=tokens:1 sp=2},
// PIPELINE-NEXT: ds-partition,
// PIPELINE-NEXT: ds-trim-all-to-all,
// PIPELINE-NEXT: ds-fuse-all-to-all
// PIPELINE-NEXT: )

// HELP: --ds-sequence-parallel
// HELP-NEXT: --batch-dims=
// HELP-NEXT: --dp=
// HELP-NEXT: --seq-dims=
// HELP-NEXT: --sp=

// One grouped-query attention layer (4 query heads, 2 key/value heads):
// the inputs split along their sequence over "sp"; q, k and v go to
// head-split in one all-to-all, the output comes back in one; the backward
// has the transposed pair, its three gradients packed along the heads (the
// dimension in which they differ) and moved at once.

// Forward: q, k and v in one all-to-all, the output in one.
// The loss: a sum and a count over the tokens, each completed over sp.
// Backward: the output gradient in one all-to-all, the three gradients out
// in one.

// DPSP: ds.mesh @mesh ["dp" = 2, "sp" = 2]
// DPSP-LABEL: func.func @train_step
// DPSP-SAME: tensor<1x4xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"sp"}]>}
// DPSP-SAME: tensor<1x4xi64> {ds.name = "labels", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"sp"}]>}
// DPSP-COUNT-4: ds.all_to_all {{.*}} on @mesh ["sp"]
// DPSP-NOT: ds.all_to_all
// DPSP-NOT: ds.all_gather
func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %wq: tensor<16x16xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<8x16xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<8x16xf32> {ds.name = "wv", ds.trainable},
                   %tokens: tensor<2x8xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  %q0 = ds.linear %x, %wq : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %k0 = ds.linear %x, %wk : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x8xf32>
  %v0 = ds.linear %x, %wv : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x8xf32>
  %q1 = ds.reshape %q0 : (tensor<2x8x16xf32>) -> tensor<2x8x4x4xf32>
  %k1 = ds.reshape %k0 : (tensor<2x8x8xf32>) -> tensor<2x8x2x4xf32>
  %v1 = ds.reshape %v0 : (tensor<2x8x8xf32>) -> tensor<2x8x2x4xf32>
  %q = ds.transpose %q1 permutation = [0, 2, 1, 3] : (tensor<2x8x4x4xf32>) -> tensor<2x4x8x4xf32>
  %k = ds.transpose %k1 permutation = [0, 2, 1, 3] : (tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32>
  %v = ds.transpose %v1 permutation = [0, 2, 1, 3] : (tensor<2x8x2x4xf32>) -> tensor<2x2x8x4xf32>
  %o = ds.attention %q, %k, %v causal scale = 5.000000e-01 : (tensor<2x4x8x4xf32>, tensor<2x2x8x4xf32>, tensor<2x2x8x4xf32>) -> tensor<2x4x8x4xf32>
  %o1 = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<2x4x8x4xf32>) -> tensor<2x8x4x4xf32>
  %o2 = ds.reshape %o1 : (tensor<2x8x4x4xf32>) -> tensor<2x8x16xf32>
  %logits = ds.linear %o2, %wte : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %flat = ds.reshape %logits : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
