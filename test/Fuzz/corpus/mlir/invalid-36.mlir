
func.func @max_dims_repeated(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.max' op dims must be sorted and distinct}}
  %0 = ds.max %x dims = [1, 1] : (tensor<2x8x4xf32>) -> tensor<2x4xf32>
  return
}

