
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_concat_dim(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op concat_dim -1 is out of range for rank 2}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 0 concat_dim = -1 : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

