
func.func @adamw_new_param(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'ds.adamw_update' op new_param has type 'tensor<64xbf16>', expected 'tensor<64xf32>'}}
  %0:3 = ds.adamw_update %p, %g, %m, %v, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xbf16>, tensor<64xf32>, tensor<64xf32>)
  return
}
