
func.func @layer_norm_bias_size(%x: tensor<2x64xf32>, %g: tensor<64xf32>, %b: tensor<65xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op bias must have shape [64], got [65]}}
  %0 = ds.layer_norm %x weight %g bias %b epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<64xf32>, tensor<65xf32>) -> tensor<2x64xf32>
  return
}

