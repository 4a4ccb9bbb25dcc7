
func.func @softmax_grad_dim(%y: tensor<2x4x8x8xf32>, %dy: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'ds.softmax_grad' op dim 4 is out of range for rank 4}}
  %0 = ds.softmax_grad %y, %dy dim = 4 : tensor<2x4x8x8xf32>
  return
}
