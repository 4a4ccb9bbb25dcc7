
// The transposed move: the gradients of grouped-query attention go back from
// head-split to sequence-split, differing in head count along the dimension
// the all-to-all concatenates. Each is viewed as [.., n, seq / n, ..],
// concatenated on the heads and moved at once; what rank j sent is block j
// of the received heads, [n, 2 + 1 + 1], whose pieces flatten back to
// n * 2 and n * 1 heads.
ds.mesh @mesh ["sp" = 2]
func.func @gqa_gradients(%q: tensor<1x2x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>, %o: tensor<1x2x8x8xf32>, %do: tensor<1x2x8x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %dq, %dk, %dv = ds.attention_grad %q, %k, %v, %o, %do causal scale = 0.5 : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>)
  %dq2 = ds.all_to_all %dq on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x2x8x8xf32>) -> tensor<1x4x4x8xf32>
  %dk2 = ds.all_to_all %dk on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x1x8x8xf32>) -> tensor<1x2x4x8xf32>
  %dv2 = ds.all_to_all %dv on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x1x8x8xf32>) -> tensor<1x2x4x8xf32>
  return %dq2, %dk2, %dv2 : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

