
func.func @split_sizes_sum(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op sizes [4, 3] must add up to the size 8 of dimension 1}}
  %0:2 = ds.split %x dim = 1 sizes = [4, 3] : (tensor<2x8xf32>) -> (tensor<2x4xf32>, tensor<2x3xf32>)
  return
}

