
func.func @slice_start_after_limit(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op slice 5:4:1 of dimension 0 (size 8) is out of bounds}}
  %0 = ds.slice %x starts = [5, 0] limits = [4, 4] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<0x4xf32>
  return
}

