
func.func @embedding_weight_rank3(%w: tensor<4x256x64xf32>, %i: tensor<8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.embedding' op weight must have rank 2, got 3}}
  %0 = ds.embedding %w, %i : (tensor<4x256x64xf32>, tensor<8xi64>) -> tensor<8x64xf32>
  return
}

