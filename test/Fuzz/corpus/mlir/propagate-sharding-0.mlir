
// -ds-propagate-sharding writes its decisions into the IR, types still
// global: a #ds.sharding per result of every op with a split operand
// (ds.shardings), and ds.reshard where a value changes how it is split.

// Grouped-query attention (4 query heads, 2 kv heads) over sp = 2: the
// sequence split moves onto the heads for the attention (Ulysses) and back.
// The flattened tokens: [B * S] with S split is the piece 8 of 2 x 8.
// The summed loss and its token count are partial over sp, then completed.
// The backward reuses the attention's operands and output in the head
// split, and a replicated weight's gradient is a partial sum.

// With dp = 2 as well, the batch is split over dp and the partial results
// are partial over both axes.
// DPSP-LABEL: ds.mesh @mesh ["dp" = 2, "sp" = 2]
// DPSP: tensor<2x8xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"sp"}]>}
// DPSP: ds.reshard %{{.*}} to <@mesh, [{"dp"}, {2:"sp", 2}, {}, {}]> : tensor<2x4x8x4xf32>
// DPSP: ds.cross_entropy {{.*}}{ds.shardings = [#ds.sharding<@mesh, [], partial = {"dp": sum, "sp": sum}>]}

// -ds-partition consumes the decisions: local types and collectives.
// LOCAL-LABEL: func.func @train_step
// LOCAL-SAME: tensor<2x4xi64> {ds.name = "tokens"
// LOCAL-NOT: ds.reshard
// LOCAL-NOT: ds.shardings
// LOCAL: ds.all_to_all
// LOCAL-NOT: ds.reshard
// LOCAL-NOT: ds.shardings
// LOCAL: return
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

