
// Grouped-query attention with fewer kv heads than sp (2 for 4 query heads,
// sp = 4): each kv head is repeated twice (a broadcast before the
// all-to-alls, which -ds-fuse-all-to-all would make one), so that every rank gets one whole query head and its kv
// head; the kv gradients are summed back over the repeats.

// SP4-LABEL: func.func @train_step
// SP4: %[[KB:.*]] = ds.broadcast %{{.*}} : (tensor<1x2x1x1x2xf32>) -> tensor<1x2x2x1x2xf32>
// SP4: ds.all_to_all {{.*}} on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x1x2xf32>) -> tensor<1x1x4x2xf32>
// SP4: ds.attention {{.*}} : (tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4x2xf32>
// SP4: ds.all_to_all
// SP4-NOT: ds.all_gather
// SP4: ds.attention_grad
// SP4: %[[DKS:.*]] = ds.all_to_all %grad_key {{.*}} : (tensor<1x1x4x2xf32>) -> tensor<1x4x1x2xf32>
// SP4: %[[DK:.*]] = ds.reshape %[[DKS]] : (tensor<1x4x1x2xf32>) -> tensor<1x2x2x1x2xf32>
// SP4: ds.sum %[[DK]] dims = [2] : (tensor<1x2x2x1x2xf32>) -> tensor<1x2x1x2xf32>
// SP4-NOT: ds.all_gather
// SP4: return
func.func @forward(%wq: tensor<16x8xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<16x4xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<16x4xf32> {ds.name = "wv", ds.trainable},
                   %wo: tensor<16x8xf32> {ds.name = "wo", ds.trainable},
                   %tokens: tensor<1x4xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<1x4xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %eq = ds.embedding %wq, %tokens : (tensor<16x8xf32>, tensor<1x4xi64>) -> tensor<1x4x8xf32>
  %ek = ds.embedding %wk, %tokens : (tensor<16x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %ev = ds.embedding %wv, %tokens : (tensor<16x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %q4 = ds.reshape %eq : (tensor<1x4x8xf32>) -> tensor<1x4x4x2xf32>
  %k4 = ds.reshape %ek : (tensor<1x4x4xf32>) -> tensor<1x4x2x2xf32>
  %v4 = ds.reshape %ev : (tensor<1x4x4xf32>) -> tensor<1x4x2x2xf32>
  %q = ds.transpose %q4 permutation = [0, 2, 1, 3] : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %k = ds.transpose %k4 permutation = [0, 2, 1, 3] : (tensor<1x4x2x2xf32>) -> tensor<1x2x4x2xf32>
  %v = ds.transpose %v4 permutation = [0, 2, 1, 3] : (tensor<1x4x2x2xf32>) -> tensor<1x2x4x2xf32>
  %o = ds.attention %q, %k, %v causal scale = 0.5 : (tensor<1x4x4x2xf32>, tensor<1x2x4x2xf32>, tensor<1x2x4x2xf32>) -> tensor<1x4x4x2xf32>
  %ot = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %o3 = ds.reshape %ot : (tensor<1x4x4x2xf32>) -> tensor<1x4x8xf32>
  %h = ds.linear %o3, %wo : (tensor<1x4x8xf32>, tensor<16x8xf32>) -> tensor<1x4x16xf32>
  %logits = ds.reshape %h : (tensor<1x4x16xf32>) -> tensor<4x16xf32>
  %lab = ds.reshape %labels : (tensor<1x4xi64>) -> tensor<4xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<4x16xf32>, tensor<4xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

