
// A tied embedding is read at both ends of the forward: one reload for the
// lookup and another for the output projection, so that it is not in
// memory across the layer between (whose parameter is read there). A
// parameter read by two ops with no other parameter read between them (g,
// a norm's scale applied twice) is reloaded once for both.
// The backward reads the tied weight for the projection's input gradient,
// the update reads it once more.
func.func @forward(%wte: tensor<16x8xf32> {ds.name = "wte", ds.trainable},
                   %w: tensor<8x8xf32> {ds.name = "w", ds.trainable},
                   %g: tensor<8xf32> {ds.name = "g", ds.trainable},
                   %tokens: tensor<4xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<4xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %e = ds.embedding %wte, %tokens : (tensor<16x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>
  %h = ds.linear %e, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %a = ds.tanh %h : tensor<4x8xf32>
  %s1 = ds.mul %a, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %s2 = ds.mul %s1, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %logits = ds.linear %s2, %wte : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %l = ds.cross_entropy %logits, %labels ignore_index = -100 : (tensor<4x16xf32>, tensor<4xi64>) -> tensor<f32>
  return %l : tensor<f32>
}
