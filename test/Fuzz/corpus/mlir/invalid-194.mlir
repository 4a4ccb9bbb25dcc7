
func.func @embedding_grad_result_rank(%i: tensor<2x8xi64>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.embedding_grad' op result must have rank 2}}
  %0 = ds.embedding_grad %i, %dy : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<4x256x64xf32>
  return
}
