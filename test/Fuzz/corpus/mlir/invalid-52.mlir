
func.func @rms_norm_weight_element_type(%x: tensor<2x64xbf16>, %g: tensor<64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.rms_norm' op weight element type 'f32' differs from the input's 'bf16'}}
  %0 = ds.rms_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xbf16>, tensor<64xf32>) -> tensor<2x64xbf16>
  return
}

