
func.func @sgd_grad(%p: tensor<64xf32>, %g: tensor<32xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'ds.sgd_update' op grad has type 'tensor<32xf32>', expected 'tensor<64xf32>'}}
  %0:2 = ds.sgd_update %p, %g, %b lr = 0.1 momentum = 0.9 weight_decay = 0.0 : (tensor<64xf32>, tensor<32xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  return
}
