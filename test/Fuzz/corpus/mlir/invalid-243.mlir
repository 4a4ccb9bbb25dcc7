
func.func @attention_grad_bias_gradient_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>, %b: tensor<1x8x16x16xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_bias}}
  %0:4 = ds.attention_grad %q, %k, %v, %o, %o bias %b scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<1x8x16x16xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x8x1x16xf32>)
  return
}

