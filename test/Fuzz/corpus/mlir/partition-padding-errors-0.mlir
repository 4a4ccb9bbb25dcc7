
// A padded sequence cannot go through an integer mean (no exact rescale to
// the real count): an error at the op, with its location.

func.func @forward(%w: tensor<16x4xf32> {ds.name = "w", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"}) -> tensor<f32> {
  %mid = ds.mean %tokens dims = [1] : (tensor<2x3xi64>) -> tensor<2xi64>
  %e = ds.embedding %w, %mid : (tensor<16x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  %s = ds.sum %e dims = [0, 1] : (tensor<2x4xf32>) -> tensor<f32>
  return %s : tensor<f32>
}
