
func.func @slice_wrong_result(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x2xf32>'}}
  %0 = ds.slice %x starts = [0, 1] limits = [4, 8] strides = [1, 3] : (tensor<8x8xf32>) -> tensor<4x2xf32>
  return
}

