
func.func @rms_norm_epsilon(%x: tensor<2x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.rms_norm' op epsilon must be positive, got 0.000000e+00}}
  %0 = ds.rms_norm %x epsilon = 0.0 : (tensor<2x64xf32>) -> tensor<2x64xf32>
  return
}

