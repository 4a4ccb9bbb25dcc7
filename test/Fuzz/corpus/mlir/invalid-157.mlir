
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @reduce_scatter_not_divisible(%x: tensor<8x6xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op dimension 1 of size 6 is not divisible by the 8 ranks of the group}}
  %0 = ds.reduce_scatter %x on @mesh ["dp", "sp"] dim = 1 reduction = sum : (tensor<8x6xf32>) -> tensor<8x1xf32>
  return
}

