
func.func @attention_head_dim(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x16x64xf32>, %v: tensor<2x8x16x64xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op query head dimension 32 differs from key's 64}}
  %0 = ds.attention %q, %k, %v scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> tensor<2x8x16x64xf32>
  return
}

