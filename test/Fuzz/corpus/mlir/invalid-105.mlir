
func.func @split_dim(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.split' op dim 2 is out of range for rank 2}}
  %0:2 = ds.split %x dim = 2 sizes = [4, 4] : (tensor<2x8xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
  return
}

