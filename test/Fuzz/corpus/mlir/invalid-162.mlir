
func.func @unary_result_type(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.tanh' op requires the same type for all operands and results}}
  %0 = "ds.tanh"(%x) : (tensor<8xf32>) -> tensor<8xbf16>
  return
}

