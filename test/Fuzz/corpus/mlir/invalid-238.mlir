
func.func @offload_never_waited(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.offload' op result must be read by one ds.wait (the transfer's end) and nothing else}}
  %o = ds.offload %x to "nvme" : tensor<4xf32>
  return %o : tensor<4xf32>
}

