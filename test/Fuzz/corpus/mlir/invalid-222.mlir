
func.func @silu_grad_types(%x: tensor<64xf32>, %dy: tensor<64xbf16>) {
  // expected-error @+1 {{'ds.silu_grad' op requires the same type for all operands and results}}
  %0 = "ds.silu_grad"(%x, %dy) : (tensor<64xf32>, tensor<64xbf16>) -> tensor<64xf32>
  return
}

