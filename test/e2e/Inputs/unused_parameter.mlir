func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable}, %u: tensor<3xf32> {ds.name = "unused", ds.trainable}, %x: tensor<4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %m = ds.mul %w, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %l = ds.sum %m dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
