
func.func @wait_for_no_transfer(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.wait' op waits for a transfer: its operand must be the result of a ds.reload or ds.offload}}
  %w = ds.wait %x : tensor<4xf32>
  return %w : tensor<4xf32>
}

