
func.func @concat_dim_negative(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op dim -1 is out of range for rank 2}}
  %0 = ds.concat %a, %b dim = -1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  return
}

