
//===----------------------------------------------------------------------===//
// Embedding, attention, loss
//===----------------------------------------------------------------------===//

func.func @embedding_weight_rank(%w: tensor<256xf32>, %i: tensor<2x8xi64>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.embedding' op weight must have rank 2, got 1}}
  %0 = ds.embedding %w, %i : (tensor<256xf32>, tensor<2x8xi64>) -> tensor<2x8xf32>
  return
}

