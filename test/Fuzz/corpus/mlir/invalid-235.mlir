
func.func @reload_from_tape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.reload' op memory space must be "cpu" or "nvme", got "tape"}}
  %r = ds.reload %x from "tape" : tensor<4xf32>
  return
}

