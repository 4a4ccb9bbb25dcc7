
func.func @sum_dim_too_large(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.sum' op reduced dimension 2 is out of range for rank 2}}
  %0 = ds.sum %x dims = [2] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

