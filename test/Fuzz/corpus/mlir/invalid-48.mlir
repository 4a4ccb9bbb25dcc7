
func.func @layer_norm_epsilon_zero(%x: tensor<2x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op epsilon must be positive, got 0.000000e+00}}
  %0 = ds.layer_norm %x epsilon = 0.0 : (tensor<2x64xf32>) -> tensor<2x64xf32>
  return
}

