
// q (4 heads) and k, v (2 heads) feeding one attention move in one
// all-to-all: each viewed as [.., n, heads / n, ..], concatenated on the
// heads, moved, split apart.
ds.mesh @mesh ["sp" = 2]
func.func @gqa_siblings(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32> {
  %q2 = ds.all_to_all %q on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x4x8xf32>) -> tensor<1x2x8x8xf32>
  %k2 = ds.all_to_all %k on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x2x4x8xf32>) -> tensor<1x1x8x8xf32>
  %v2 = ds.all_to_all %v on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x2x4x8xf32>) -> tensor<1x1x8x8xf32>
  %o = ds.attention %q2, %k2, %v2 causal scale = 0.5 : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %o : tensor<1x2x8x8xf32>
}

