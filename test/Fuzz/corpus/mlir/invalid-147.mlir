
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_real_sizes_count(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op real_sizes has 2 entries; a group of 2 needs 4}}
  %0 = ds.all_to_all %x on @mesh ["dp"] split_dim = 0 concat_dim = 1 real_dim = 0 real_sizes = [1, 1] : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

