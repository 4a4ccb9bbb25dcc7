
func.func @cross_entropy_grad_grad_loss_element_type(%l: tensor<16x256xf32>, %y: tensor<16xi64>, %d: tensor<bf16>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op grad_loss element type differs from the logits'}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>, tensor<bf16>) -> tensor<16x256xf32>
  return
}
