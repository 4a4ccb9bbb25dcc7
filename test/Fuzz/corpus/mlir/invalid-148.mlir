
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_real_size_beyond_piece(%x: tensor<8x8xf32>) {
  // Pieces along the split dimension are 4 long.
  // expected-error @+1 {{'ds.all_to_all' op real size 5 is outside [0, 4], the pieces' extent along real_dim}}
  %0 = ds.all_to_all %x on @mesh ["dp"] split_dim = 0 concat_dim = 1 real_dim = 0 real_sizes = [4, 5, 0, 1] : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

