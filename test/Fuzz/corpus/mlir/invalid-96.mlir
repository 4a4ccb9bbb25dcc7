
func.func @slice_limit_past_size(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op slice 0:9:1 of dimension 1 (size 8) is out of bounds}}
  %0 = ds.slice %x starts = [0, 0] limits = [8, 9] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x9xf32>
  return
}

