
// The same shapes are valid without `causal`.
func.func @attention_causal_lengths(%q: tensor<2x8x16x32xf32>, %k: tensor<2x8x24x32xf32>, %v: tensor<2x8x24x32xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op causal attention needs equal query and key lengths, got 16 and 24}}
  %0 = ds.attention %q, %k, %v causal scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x8x24x32xf32>, tensor<2x8x24x32xf32>) -> tensor<2x8x16x32xf32>
  return
}

