func.func @attention_grad_window(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op window 2 must be at least 1 and needs causal}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %o window = 2 scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}

