
func.func @split_size_zero(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op sizes must be positive}}
  %0:3 = ds.split %x dim = 1 sizes = [8, 0, 0] : (tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x0xf32>, tensor<2x0xf32>)
  return
}

