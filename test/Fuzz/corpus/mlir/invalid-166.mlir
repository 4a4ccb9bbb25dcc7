
func.func @cross_entropy_result_not_scalar(%l: tensor<16x256xf32>, %y: tensor<16xi64>) {
  // expected-error @+1 {{'ds.cross_entropy' op result #0 must be 0D tensor of floating-point values, but got 'tensor<1xf32>'}}
  %0 = ds.cross_entropy %l, %y ignore_index = -100 : (tensor<16x256xf32>, tensor<16xi64>) -> tensor<1xf32>
  return
}

