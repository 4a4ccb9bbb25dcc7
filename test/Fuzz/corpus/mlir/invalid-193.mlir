
func.func @embedding_grad_padding_idx(%i: tensor<2x8xi64>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.embedding_grad' op padding_idx -1 is not a row of the result (256 rows)}}
  %0 = ds.embedding_grad %i, %dy padding_idx = -1 : (tensor<2x8xi64>, tensor<2x8x64xf32>) -> tensor<256x64xf32>
  return
}
