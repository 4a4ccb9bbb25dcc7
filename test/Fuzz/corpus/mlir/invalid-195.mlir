
func.func @embedding_grad_grad_output(%i: tensor<2x8xi64>, %dy: tensor<16x64xf32>) {
  // expected-error @+1 {{'ds.embedding_grad' op grad_output has type 'tensor<16x64xf32>', expected 'tensor<2x8x64xf32>'}}
  %0 = ds.embedding_grad %i, %dy : (tensor<2x8xi64>, tensor<16x64xf32>) -> tensor<256x64xf32>
  return
}
