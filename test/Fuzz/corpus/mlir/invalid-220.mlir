
func.func @adamw_step_type(%p: tensor<64xf32>, %t: tensor<1xi64>) {
  // expected-error @+1 {{'ds.adamw_update' op operand #4 must be 0D tensor of 64-bit signless integer values, but got 'tensor<1xi64>'}}
  %0:3 = ds.adamw_update %p, %p, %p, %p, %t lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<1xi64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}
