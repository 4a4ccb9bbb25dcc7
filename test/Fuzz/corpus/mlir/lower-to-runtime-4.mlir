
// expected-error @+1 {{argument 0 needs ds.name and ds.role = "parameter", "state" or "input"}}
func.func @train_step(%x: tensor<4xf32>) -> (tensor<f32> {ds.role = "loss"}) {
  %l = ds.sum %x dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

