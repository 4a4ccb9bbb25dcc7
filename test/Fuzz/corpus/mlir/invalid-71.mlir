func.func @attention_bias_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %b: tensor<1x1x1x16xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op bias element type differs from the query's}}
  %0 = ds.attention %q, %k, %v bias %b scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<1x1x1x16xbf16>) -> tensor<2x8x16x32xf32>
  return
}

