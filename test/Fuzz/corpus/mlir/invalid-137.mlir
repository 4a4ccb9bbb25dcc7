
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @unknown_axis(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op mesh @mesh has no axis "tp"}}
  %0 = ds.reduce_scatter %x on @mesh ["dp", "tp"] dim = 0 reduction = sum : (tensor<8xf32>) -> tensor<4xf32>
  return
}

