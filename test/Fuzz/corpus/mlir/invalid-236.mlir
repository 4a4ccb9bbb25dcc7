
func.func @offload_to_gpu(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.offload' op memory space must be "cpu" or "nvme", got "gpu"}}
  %r = ds.offload %x to "gpu" : tensor<4xf32>
  return
}

