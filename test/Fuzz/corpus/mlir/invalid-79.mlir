
func.func @attention_fill_without_bias(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op fill needs a bias (it replaces the scores whose bias is -inf)}}
  %0 = ds.attention %q, %k, %v scale = 0.125 fill = -1.0e4 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

