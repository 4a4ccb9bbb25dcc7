
func.func @cross_entropy_grad_loss_not_scalar(%l: tensor<16x256xf32>, %y: tensor<16xi64>, %d: tensor<1xf32>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op operand #2 must be 0D tensor of floating-point values, but got 'tensor<1xf32>'}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>, tensor<1xf32>) -> tensor<16x256xf32>
  return
}
