
func.func @layer_norm_input_rank(%x: tensor<f32>, %g: tensor<1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.layer_norm' op weight must have shape [0], got [1]}}
  %0 = ds.layer_norm %x weight %g epsilon = 1.0e-05 : (tensor<f32>, tensor<1xf32>) -> tensor<f32>
  return
}

