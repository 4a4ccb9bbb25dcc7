
func.func @cross_entropy_grad_labels(%l: tensor<16x256xf32>, %y: tensor<8xi64>, %d: tensor<f32>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op labels must have the logits' shape without its last dimension}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<16x256xf32>, tensor<8xi64>, tensor<f32>) -> tensor<16x256xf32>
  return
}
