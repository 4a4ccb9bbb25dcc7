
// Zero key/value heads used to divide by zero in the verifier.
func.func @attention_zero_kv_heads(%q: tensor<2x8x16x32xf32>, %k: tensor<2x0x16x32xf32>, %v: tensor<2x0x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query heads 8 are not a multiple of key/value heads 0}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x0x16x32xf32>, tensor<2x0x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

