
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_same_dim_result(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op result type 'tensor<2x8xf32>' should be 'tensor<8x8xf32>'}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 0 concat_dim = 0 : (tensor<8x8xf32>) -> tensor<2x8xf32>
  return
}

