
func.func @slice_limits_arity(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op starts, limits and strides need 2 entries each}}
  %0 = ds.slice %x starts = [0, 0] limits = [4, 4, 4] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<4x4xf32>
  return
}

