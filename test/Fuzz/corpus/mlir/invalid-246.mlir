
func.func @attention_grad_sinks_gradient_type(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x32xf32>, %o: tensor<2x8x16x32xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_sinks has type 'tensor<8xf16>', expected 'tensor<8xf32>'}}
  %0:4 = ds.attention_grad %q, %k, %v, %o, %o sinks %s scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x8x16x32xf32>, tensor<2x8x16x32xf32>, tensor<8xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x32xf32>, tensor<8xf16>)
  return
}
