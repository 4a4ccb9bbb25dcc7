
func.func @attention_value_rank(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xf32>, %v: tensor<1x2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query, key and value must have rank 4}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<1x2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

