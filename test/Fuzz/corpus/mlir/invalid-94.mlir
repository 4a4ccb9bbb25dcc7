
func.func @slice_start_negative(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op slice -1:4:1 of dimension 1 (size 8) is out of bounds}}
  %0 = ds.slice %x starts = [0, -1] limits = [4, 4] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<4x5xf32>
  return
}

