
// The same with the roles exchanged: three differ only in the concat
// dimension and pack along it.
ds.mesh @mesh ["sp" = 2]
func.func @concat_packing_wins(%a: tensor<2x2xf32>, %d: tensor<4x2xf32>, %b: tensor<2x4xf32>, %c: tensor<2x6xf32>) -> (tensor<1x4xf32>, tensor<2x4xf32>, tensor<1x8xf32>, tensor<1x12xf32>) {
  %a2 = ds.all_to_all %a on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x2xf32>) -> tensor<1x4xf32>
  %d2 = ds.all_to_all %d on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x2xf32>) -> tensor<2x4xf32>
  %b2 = ds.all_to_all %b on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x4xf32>) -> tensor<1x8xf32>
  %c2 = ds.all_to_all %c on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x6xf32>) -> tensor<1x12xf32>
  return %a2, %d2, %b2, %c2 : tensor<1x4xf32>, tensor<2x4xf32>, tensor<1x8xf32>, tensor<1x12xf32>
}

