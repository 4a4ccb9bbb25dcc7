
func.func @linear_weight_rank(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op weight must have rank 2, got 1}}
  %0 = ds.linear %x, %w : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2xf32>
  return
}

