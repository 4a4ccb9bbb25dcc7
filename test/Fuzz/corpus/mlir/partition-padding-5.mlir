
// An integer maximum over the padded sequence (argmax's, HF's last-token
// pooling): the padding holds the type's smallest value, which no real
// element is below, then the ranks' maxima are all-reduced.
func.func @forward(%w: tensor<16x4xf32> {ds.name = "w", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"}) -> tensor<f32> {
  %top = ds.max %tokens dims = [1] : (tensor<2x3xi64>) -> tensor<2xi64>
  %e = ds.embedding %w, %top : (tensor<16x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  %s = ds.sum %e dims = [0, 1] : (tensor<2x4xf32>) -> tensor<f32>
  return %s : tensor<f32>
}

