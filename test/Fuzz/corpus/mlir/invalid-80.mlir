
func.func @attention_grad_fill_infinite(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>, %b: tensor<2x1x1x16xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op fill must be finite, got -INF}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %o bias %b scale = 1.0 fill = 0xFFF0000000000000 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x1x1x16xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}

