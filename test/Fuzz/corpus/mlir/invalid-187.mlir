
func.func @log_softmax_grad_dim(%y: tensor<2x4x8x8xf32>, %dy: tensor<2x4x8x8xf32>) {
  // expected-error @+1 {{'ds.log_softmax_grad' op dim 7 is out of range for rank 4}}
  %0 = ds.log_softmax_grad %y, %dy dim = 7 : tensor<2x4x8x8xf32>
  return
}
