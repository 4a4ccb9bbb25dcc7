
// expected-error @+1 {{@forward must return the 0-d float loss first}}
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable}) -> tensor<4xf32> {
  %y = ds.exp %w : tensor<4xf32>
  return %y : tensor<4xf32>
}

