
// A broadcast operand's gradient is summed over the broadcast dimensions
// and reshaped to the operand's shape. The mean's gradient is 1/24.

func.func @forward(%b: tensor<4xf32> {ds.name = "b", ds.trainable},
                   %x: tensor<2x3x4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %s = ds.add %x, %b : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %t = ds.tanh %s : tensor<2x3x4xf32>
  %loss = ds.mean %t dims = [0, 1, 2] : (tensor<2x3x4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

