
func.func @reload_read_before_its_wait(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.reload' op result must be read by one ds.wait (the transfer's end) and nothing else}}
  %r = ds.reload %x from "nvme" : tensor<4xf32>
  %w = ds.wait %r : tensor<4xf32>
  %y = ds.neg %r : tensor<4xf32>
  return %y : tensor<4xf32>
}

