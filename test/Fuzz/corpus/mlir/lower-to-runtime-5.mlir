
func.func @train_step(%w: tensor<4xf32> {ds.name = "w", ds.role = "parameter"}) -> (tensor<f32> {ds.role = "loss"}, tensor<4xf32> {ds.updates = "w"}) {
  %w1 = ds.neg %w : tensor<4xf32>
  // expected-error @+1 {{reads "w" after or while its new value is written in place}}
  %l = ds.sum %w dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l, %w1 : tensor<f32>, tensor<4xf32>
}

