
func.func @attention_key_element_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x32xbf16>, %v: tensor<2x8x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query, key and value element types differ}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x32xbf16>, tensor<2x8x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

