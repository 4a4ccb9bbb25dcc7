
// A reshape that cannot carry the padding (the padded [2, 3 -> 4] has no
// common pieces with [3, 2]): the operand is cut back to its 3 real
// positions and the reshape sees the original tensor. The slice needs the
// sequence whole, so its split moves to the features (an all-to-all; the
// result stays split there) rather than being gathered; the gradient is
// padded, masked and moved back on the way to the split embedding.
func.func @forward(%w: tensor<16x4xf32> {ds.name = "w", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"}) -> tensor<f32> {
  %e = ds.embedding %w, %tokens : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %r = ds.reshape %e : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %t = ds.tanh %r : tensor<3x2x4xf32>
  %s = ds.sum %t dims = [0, 1, 2] : (tensor<3x2x4xf32>) -> tensor<f32>
  return %s : tensor<f32>
}
