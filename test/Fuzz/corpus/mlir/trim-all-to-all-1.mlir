
// Coming back to sequence-split, cut to the 3 real heads: sender 0 holds 2
// real heads, sender 1 one, whoever receives.
ds.mesh @mesh ["sp" = 2]
func.func @cut_result(%o: tensor<1x2x4x8xf32>) -> (tensor<1x3x2x8xf32>, tensor<1x2x2x8xf32>) {
  %s = ds.all_to_all %o on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %real = ds.slice %s starts = [0, 0, 0, 0] limits = [1, 3, 2, 8] strides = [1, 1, 1, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x3x2x8xf32>
  %first = ds.slice %s starts = [0, 0, 0, 0] limits = [1, 2, 2, 8] strides = [1, 1, 1, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %real, %first : tensor<1x3x2x8xf32>, tensor<1x2x2x8xf32>
}

