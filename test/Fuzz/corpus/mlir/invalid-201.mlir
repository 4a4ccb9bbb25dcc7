
func.func @pad_low_negative(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op dimension 1 needs low >= 0 and stride >= 1}}
  %0 = ds.pad %x low = [0, -1] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
