
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @unknown_axis_all_to_all(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op mesh @mesh has no axis "tp"}}
  %0 = ds.all_to_all %x on @mesh ["tp"] split_dim = 0 concat_dim = 1 : (tensor<8x8xf32>) -> tensor<4x16xf32>
  return
}

