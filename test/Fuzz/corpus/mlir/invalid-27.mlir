
func.func @linear_features(%x: tensor<2x64xf32>, %w: tensor<192x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op input features 64 differ from weight's 32}}
  %0 = ds.linear %x, %w : (tensor<2x64xf32>, tensor<192x32xf32>) -> tensor<2x192xf32>
  return
}

