
func.func @embedding_float_indices(%w: tensor<256x64xf32>, %i: tensor<8xf32>) {
  // expected-error @+1 {{'ds.embedding' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<8xf32>'}}
  %0 = ds.embedding %w, %i : (tensor<256x64xf32>, tensor<8xf32>) -> tensor<8x64xf32>
  return
}

