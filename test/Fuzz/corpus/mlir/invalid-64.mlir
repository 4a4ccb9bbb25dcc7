
func.func @attention_kv_length(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x24x32xf32>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op key and value must agree on heads and length}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x24x32xf32>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

