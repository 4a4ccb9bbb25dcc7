
func.func @max_keepdim_wrong_result(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.max' op inferred type(s) 'tensor<2x1xf32>' are incompatible with return type(s) of operation 'tensor<2xf32>'}}
  %0 = ds.max %x dims = [1] keepdim : (tensor<2x8xf32>) -> tensor<2xf32>
  return
}

