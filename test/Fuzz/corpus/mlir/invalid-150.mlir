
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_result(%x: tensor<2x8x4x16xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op result type 'tensor<2x2x4x16xf32>' should be 'tensor<2x2x16x16xf32>'}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<2x8x4x16xf32>) -> tensor<2x2x4x16xf32>
  return
}

