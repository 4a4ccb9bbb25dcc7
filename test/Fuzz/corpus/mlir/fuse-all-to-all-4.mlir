
// Tensors that differ in both dimensions cannot share one packing: the
// first takes whichever joins more of its siblings, here the two that
// differ from it only in the split dimension; the odd one moves alone.
ds.mesh @mesh ["sp" = 2]
func.func @split_packing_wins(%a: tensor<2x2xf32>, %d: tensor<2x4xf32>, %b: tensor<4x2xf32>, %c: tensor<6x2xf32>) -> (tensor<1x4xf32>, tensor<1x8xf32>, tensor<2x4xf32>, tensor<3x4xf32>) {
  %a2 = ds.all_to_all %a on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x2xf32>) -> tensor<1x4xf32>
  %d2 = ds.all_to_all %d on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x4xf32>) -> tensor<1x8xf32>
  %b2 = ds.all_to_all %b on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x2xf32>) -> tensor<2x4xf32>
  %c2 = ds.all_to_all %c on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<6x2xf32>) -> tensor<3x4xf32>
  return %a2, %d2, %b2, %c2 : tensor<1x4xf32>, tensor<1x8xf32>, tensor<2x4xf32>, tensor<3x4xf32>
}

