
func.func @rms_norm_grad_grad_output(%x: tensor<2x8x64xf32>, %w: tensor<64xf32>, %dy: tensor<2x8x32xf32>) {
  // expected-error @+1 {{'ds.rms_norm_grad' op grad_output has type 'tensor<2x8x32xf32>', expected 'tensor<2x8x64xf32>'}}
  %0:2 = ds.rms_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<64xf32>, tensor<2x8x32xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>)
  return
}
