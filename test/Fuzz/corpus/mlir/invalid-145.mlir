
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_real_dim_alone(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op needs real_dim and real_sizes together}}
  %0 = ds.all_to_all %x on @mesh ["dp"] split_dim = 0 concat_dim = 1 real_dim = 0 : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

