
func.func @attention_sinks_heads(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %s: tensor<2xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.attention' op sinks tensor<2xf32> must be [8] (one per query head) of the query's element type}}
  %0 = ds.attention %q, %k, %v sinks %s causal scale = 0.125 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2xf32>) -> tensor<2x8x16x32xf32>
  return
}

