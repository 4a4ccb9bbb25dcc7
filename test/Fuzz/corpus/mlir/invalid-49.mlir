
func.func @layer_norm_epsilon_negative(%x: tensor<2x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op epsilon must be positive, got -1.000000e-03}}
  %0 = ds.layer_norm %x epsilon = -1.0e-03 : (tensor<2x64xf32>) -> tensor<2x64xf32>
  return
}

