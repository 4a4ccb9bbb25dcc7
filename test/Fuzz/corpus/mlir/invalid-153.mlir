
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_gather_dim(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_gather' op dim 2 is out of range for rank 2}}
  %0 = ds.all_gather %x on @mesh ["dp"] dim = 2 : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

