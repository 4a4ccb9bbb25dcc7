
func.func @mean_dim_negative(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.mean' op reduced dimension -1 is out of range for rank 2}}
  %0 = ds.mean %x dims = [-1] : (tensor<2x8xf32>) -> tensor<2xf32>
  return
}

