
// A backward op has no gradient rule of its own.
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable}) -> tensor<f32> {
  // expected-error @+1 {{op 'ds.silu_grad' has no gradient rule}}
  %d = ds.silu_grad %w, %w : tensor<4xf32>
  %loss = ds.sum %d dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

