
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @reduce_scatter_result(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op result type 'tensor<8x8xf32>' should be 'tensor<4x8xf32>'}}
  %0 = ds.reduce_scatter %x on @mesh ["dp"] dim = 0 reduction = mean : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

