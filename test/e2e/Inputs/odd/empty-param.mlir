func.func @forward(%w: tensor<0x8xf32> {ds.name = "w", ds.trainable},
                   %x: tensor<4x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %t = ds.sum %x dims = [0, 1] : (tensor<4x8xf32>) -> tensor<f32>
  return %t : tensor<f32>
}
