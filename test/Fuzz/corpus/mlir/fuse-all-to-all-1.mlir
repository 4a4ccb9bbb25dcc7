
// A result read between the siblings keeps them apart.
ds.mesh @mesh ["sp" = 2]
func.func @read_early(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<2x8xf32> {
  %a2 = ds.all_to_all %a on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x4xf32>) -> tensor<2x8xf32>
  %e = ds.exp %a2 : tensor<2x8xf32>
  %b2 = ds.all_to_all %b on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x4xf32>) -> tensor<2x8xf32>
  %s = ds.add %e, %b2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

