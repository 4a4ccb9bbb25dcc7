
func.func @embedding_padding_idx(%w: tensor<256x64xf32>, %i: tensor<8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.embedding' op padding_idx 256 is not a row of the weight (256 rows)}}
  %0 = ds.embedding %w, %i padding_idx = 256 : (tensor<256x64xf32>, tensor<8xi64>) -> tensor<8x64xf32>
  return
}
