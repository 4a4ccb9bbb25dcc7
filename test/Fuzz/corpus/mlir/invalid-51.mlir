
func.func @rms_norm_weight_rank(%x: tensor<2x64xf32>, %g: tensor<f32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.rms_norm' op weight must have shape [64], got []}}
  %0 = ds.rms_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<f32>) -> tensor<2x64xf32>
  return
}

