
func.func @attention_grad_grad_key(%q: tensor<2x8x16x32xf32>, %k: tensor<2x2x16x32xf32>, %v: tensor<2x2x16x64xf32>, %o: tensor<2x8x16x64xf32>, %do: tensor<2x8x16x64xf32>) {
  // expected-error @+1 {{'ds.attention_grad' op grad_key has type 'tensor<2x2x16x32xbf16>', expected 'tensor<2x2x16x32xf32>'}}
  %0:3 = ds.attention_grad %q, %k, %v, %o, %do scale = 1.0 : (tensor<2x8x16x32xf32>, tensor<2x2x16x32xf32>, tensor<2x2x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>) -> (tensor<2x8x16x32xf32>, tensor<2x2x16x32xbf16>, tensor<2x2x16x64xf32>)
  return
}
