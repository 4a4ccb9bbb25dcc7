
// A bias no trainable parameter reaches (a mask from the inputs): the
// gradient has no fourth result once nothing reads it.
func.func @forward(%w: tensor<8x8xf32> {ds.name = "w", ds.trainable},
                   %bias: tensor<1x2x4x4xf32> {ds.input, ds.name = "bias"},
                   %x: tensor<1x2x4x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %q = ds.matmul %x, %w : (tensor<1x2x4x8xf32>, tensor<8x8xf32>) -> tensor<1x2x4x8xf32>
  %s = ds.matmul %q, %x transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %r = ds.add %s, %bias : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %r dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %q : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %l = ds.sum %o dims = [0, 1, 2, 3] : (tensor<1x2x4x8xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
