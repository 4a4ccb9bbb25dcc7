
func.func @linear_bias_size(%x: tensor<2x64xf32>, %w: tensor<192x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op bias must have shape [192], got [64]}}
  %0 = ds.linear %x, %w bias %b : (tensor<2x64xf32>, tensor<192x64xf32>, tensor<64xf32>) -> tensor<2x192xf32>
  return
}

