func.func @attention_key_length(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op key_length 17 must lie in [1, 16]}}
  %0 = ds.attention %q, %k, %v key_length = 17 scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

