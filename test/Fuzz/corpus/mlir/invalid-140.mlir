
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @no_axes(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_reduce' op needs at least one mesh axis}}
  %0 = ds.all_reduce %x on @mesh [] reduction = mean : tensor<8xf32>
  return
}

