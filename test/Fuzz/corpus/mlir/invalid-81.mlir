
func.func @attention_grad_softcap_negative(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op softcap must be positive and finite, got -5}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %o scale = 1.0 softcap = -5.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}

