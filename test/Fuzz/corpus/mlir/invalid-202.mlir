
func.func @pad_stride_zero(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op dimension 0 needs low >= 0 and stride >= 1}}
  %0 = ds.pad %x low = [0, 0] strides = [0, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
