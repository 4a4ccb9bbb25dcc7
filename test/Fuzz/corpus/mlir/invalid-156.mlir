
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @reduce_scatter_dim(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op dim -1 is out of range for rank 2}}
  %0 = ds.reduce_scatter %x on @mesh ["dp"] dim = -1 reduction = sum : (tensor<8x8xf32>) -> tensor<8x4xf32>
  return
}

