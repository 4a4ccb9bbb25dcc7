
func.func @linear_weight_element_type(%x: tensor<2x64xf32>, %w: tensor<192x64xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op weight element type 'bf16' differs from the input's 'f32'}}
  %0 = ds.linear %x, %w : (tensor<2x64xf32>, tensor<192x64xbf16>) -> tensor<2x192xf32>
  return
}

