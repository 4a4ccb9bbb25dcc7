
func.func @pad_result_element_type(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op result must have the input's rank and element type}}
  %0 = ds.pad %x low = [0, 0] strides = [1, 1] : (tensor<8x8xf32>) -> tensor<8x8xbf16>
  return
}
