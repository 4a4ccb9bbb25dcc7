
// layer_norm differentiates through layer_norm_grad; without a weight it
// passes ones and drops the weight and bias gradients.

func.func @forward(%g: tensor<8xf32> {ds.name = "g", ds.trainable},
                   %x: tensor<2x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %n = ds.layer_norm %x weight %g epsilon = 1.000000e-05 : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %m = ds.layer_norm %n epsilon = 1.000000e-05 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %loss = ds.sum %m dims = [0, 1] : (tensor<2x8xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

