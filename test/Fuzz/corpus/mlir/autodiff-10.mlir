
// Ops off the gradient path need no rule: the mask depends on inputs only.
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable},
                   %x: tensor<4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %m = ds.silu_grad %x, %x : tensor<4xf32>
  %y = ds.mul %w, %m : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %loss = ds.sum %y dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

