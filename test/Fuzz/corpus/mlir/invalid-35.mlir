
func.func @mean_dims_unsorted(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.mean' op dims must be sorted and distinct}}
  %0 = ds.mean %x dims = [2, 0] : (tensor<2x8x4xf32>) -> tensor<8xf32>
  return
}

