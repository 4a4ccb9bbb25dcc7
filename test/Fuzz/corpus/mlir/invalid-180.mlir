
func.func @layer_norm_grad_grad_bias(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.layer_norm_grad' op grad_bias has type 'tensor<64xf16>', expected 'tensor<64xf32>'}}
  %0:3 = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf16>)
  return
}
