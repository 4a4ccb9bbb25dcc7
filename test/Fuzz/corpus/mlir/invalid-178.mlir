
func.func @layer_norm_grad_weight(%x: tensor<2x8x64xf32>, %w: tensor<32xf32>, %dy: tensor<2x8x64xf32>) {
  // expected-error @+1 {{'ds.layer_norm_grad' op weight has type 'tensor<32xf32>', expected 'tensor<64xf32>'}}
  %0:3 = ds.layer_norm_grad %x, %w, %dy epsilon = 1.0e-05 : (tensor<2x8x64xf32>, tensor<32xf32>, tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
