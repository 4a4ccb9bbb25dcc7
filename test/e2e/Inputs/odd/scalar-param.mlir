func.func @forward(%s: tensor<f32> {ds.name = "s", ds.trainable},
                   %x: tensor<4x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %h = ds.mul %x, %s : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %t = ds.sum %h dims = [0, 1] : (tensor<4x8xf32>) -> tensor<f32>
  return %t : tensor<f32>
}
