
func.func @split_size_negative(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op sizes must be positive}}
  %0:2 = ds.split %x dim = 1 sizes = [10, -2] : (tensor<2x8xf32>) -> (tensor<2x10xf32>, tensor<2x2xf32>)
  return
}

