func.func @attention_bias_rank(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %b: tensor<8x16x16xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op bias tensor<8x16x16xf32> does not broadcast to the scores [2, 8, 16, 16]}}
  %0 = ds.attention %q, %k, %v bias %b scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<8x16x16xf32>) -> tensor<2x8x16x32xf32>
  return
}

