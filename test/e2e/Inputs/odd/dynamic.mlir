func.func @forward(%w: tensor<8xf32> {ds.name = "w", ds.trainable},
                   %x: tensor<?x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %t = ds.sum %w dims = [0] : (tensor<8xf32>) -> tensor<f32>
  return %t : tensor<f32>
}
