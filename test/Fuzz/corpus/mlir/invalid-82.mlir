
func.func @cross_entropy_labels_shape(%l: tensor<16x256xf32>, %y: tensor<8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.cross_entropy' op labels shape [8] must be the logits shape [16, 256] without its last dimension}}
  %0 = ds.cross_entropy %l, %y ignore_index = -100 : (tensor<16x256xf32>, tensor<8xi64>) -> tensor<f32>
  return
}

