
func.func @layer_norm_weight_element_type(%x: tensor<2x64xf32>, %g: tensor<64xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op weight element type 'bf16' differs from the input's 'f32'}}
  %0 = ds.layer_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<64xbf16>) -> tensor<2x64xf32>
  return
}

