
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_gather_result(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.all_gather' op result type 'tensor<16x8xf32>' should be 'tensor<64x8xf32>'}}
  %0 = ds.all_gather %x on @mesh ["dp", "sp"] dim = 0 : (tensor<8x8xf32>) -> tensor<16x8xf32>
  return
}

