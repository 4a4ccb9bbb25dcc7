func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable},
                   %x: tensor<2x0x4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %h = ds.mul %x, %w : (tensor<2x0x4xf32>, tensor<4xf32>) -> tensor<2x0x4xf32>
  %t = ds.sum %h dims = [0, 1, 2] : (tensor<2x0x4xf32>) -> tensor<f32>
  return %t : tensor<f32>
}
