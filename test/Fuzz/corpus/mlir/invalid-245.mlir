
func.func @attention_grad_sinks_without_gradient(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{expected 4 or 5 result types (query, key and value gradients, the sinks' gradient, maybe the bias's), got 3}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %o sinks %s scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<8xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>)
  return
}

