
func.func @pad_strided_past_result(%x: tensor<32x21xf32>) {
  // expected-error @+1 {{'ds.pad' op dimension 1 places elements past the result size 60}}
  %0 = ds.pad %x low = [1, 0] strides = [2, 3] : (tensor<32x21xf32>) -> tensor<64x60xf32>
  return
}
