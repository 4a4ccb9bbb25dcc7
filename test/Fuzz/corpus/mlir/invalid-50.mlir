
func.func @rms_norm_weight_size(%x: tensor<2x64xf32>, %g: tensor<128xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.rms_norm' op weight must have shape [64], got [128]}}
  %0 = ds.rms_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<128xf32>) -> tensor<2x64xf32>
  return
}

