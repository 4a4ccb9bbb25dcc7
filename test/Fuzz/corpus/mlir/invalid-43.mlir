
// The leading size matches; only the rank is wrong.
func.func @layer_norm_weight_rank(%x: tensor<2x64xf32>, %g: tensor<64x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op weight must have shape [64], got [64, 1]}}
  %0 = ds.layer_norm %x weight %g epsilon = 1.0e-05 : (tensor<2x64xf32>, tensor<64x1xf32>) -> tensor<2x64xf32>
  return
}

