
func.func @layer_norm_weight_size(%x: tensor<2x64xf32>, %g: tensor<32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op weight must have shape [64], got [32]}}
  %0 = ds.layer_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<32xf32>) -> tensor<2x64xf32>
  return
}

