
func.func @cross_entropy_labels_rank(%l: tensor<2x8x256xf32>, %y: tensor<16xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.cross_entropy' op labels shape [16] must be the logits shape [2, 8, 256] without its last dimension}}
  %0 = ds.cross_entropy %l, %y ignore_index = -100 : (tensor<2x8x256xf32>, tensor<16xi64>) -> tensor<f32>
  return
}

