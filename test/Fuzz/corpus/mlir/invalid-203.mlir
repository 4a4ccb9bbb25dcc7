
func.func @pad_past_result(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op dimension 1 places elements past the result size 8}}
  %0 = ds.pad %x low = [0, 1] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
