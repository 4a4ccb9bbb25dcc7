
func.func @convert_shape(%x: tensor<2x8xbf16>) {
  // expected-error @+1 {{'ds.convert' op requires the same shape for all operands and results}}
  %0 = ds.convert %x : (tensor<2x8xbf16>) -> tensor<16xf32>
  return
}

