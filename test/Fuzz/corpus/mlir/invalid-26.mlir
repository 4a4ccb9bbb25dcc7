
func.func @linear_input_rank(%x: tensor<f32>, %w: tensor<8x1xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.linear' op input must have rank >= 1}}
  %0 = ds.linear %x, %w : (tensor<f32>, tensor<8x1xf32>) -> tensor<8xf32>
  return
}

