
func.func @slice_stride_zero(%x: tensor<8x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.slice' op slice 0:8:0 of dimension 0 (size 8) is out of bounds}}
  %0 = ds.slice %x starts = [0, 0] limits = [8, 8] strides = [0, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}

