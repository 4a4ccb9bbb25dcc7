
func.func @pad_strides_arity(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.pad' op low and strides need 2 entries each}}
  %0 = ds.pad %x low = [0, 0] strides = [1, 1, 1] : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return
}
