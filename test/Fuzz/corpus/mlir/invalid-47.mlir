
func.func @layer_norm_bias_element_type(%x: tensor<2x64xf32>, %b: tensor<64xf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op bias element type 'f16' differs from the input's 'f32'}}
  %0 = ds.layer_norm %x bias %b epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<64xf16>) -> tensor<2x64xf32>
  return
}

