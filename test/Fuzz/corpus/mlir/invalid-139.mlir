
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @axis_twice(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_reduce' op names mesh axis "dp" twice}}
  %0 = ds.all_reduce %x on @mesh ["dp", "dp"] reduction = max : tensor<8xf32>
  return
}

