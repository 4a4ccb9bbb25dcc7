
func.func @cross_entropy_grad_result(%l: tensor<16x256xf32>, %y: tensor<16xi64>, %d: tensor<f32>) {
  // expected-error @+1 {{'ds.cross_entropy_grad' op result has type 'tensor<16x128xf32>', expected 'tensor<16x256xf32>'}}
  %0 = ds.cross_entropy_grad %l, %y, %d ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>, tensor<f32>) -> tensor<16x128xf32>
  return
}
