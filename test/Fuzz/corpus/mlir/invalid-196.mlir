
func.func @embedding_grad_row_size(%i: tensor<2x8xi64>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.embedding_grad' op grad_output has type 'tensor<2x8x64xf32>', expected 'tensor<2x8x32xf32>'}}
  %0 = ds.embedding_grad %i, %dy : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x32xf32>
  return
}
