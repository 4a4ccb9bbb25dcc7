
func.func @rms_norm_grad_weight(%x: tensor<2x8x64xf32>, %w: tensor<64xbf16>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.rms_norm_grad' op weight has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:2 = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xbf16>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>)
  return
}
