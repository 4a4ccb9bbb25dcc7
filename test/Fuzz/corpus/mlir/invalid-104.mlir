
func.func @concat_other_dims(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op operand shapes [2, 3] and [4, 5] differ outside dimension 1}}
  %0 = ds.concat %a, %b dim = 1 : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x8xf32>
  return
}

