
func.func @max_dims_empty(%x: tensor<2x8xi32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.max' op dims must not be empty}}
  %0 = ds.max %x dims = [] keepdim : (tensor<2x8xi32>) -> tensor<2x8xi32>
  return
}

