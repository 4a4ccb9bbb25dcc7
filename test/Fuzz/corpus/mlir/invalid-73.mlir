func.func @attention_window_zero(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op window 0 must be at least 1 and needs causal}}
  %0 = ds.attention %q, %k, %v causal window = 0 scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

