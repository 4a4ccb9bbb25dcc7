
func.func @linear_bias_element_type(%x: tensor<2x64xf32>, %w: tensor<192x64xf32>, %b: tensor<192xf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op bias element type 'f16' differs from the input's 'f32'}}
  %0 = ds.linear %x, %w bias %b : (tensor<2x64xf32>, tensor<192x64xf32>, tensor<192xf16>) -> tensor<2x192xf32>
  return
}

