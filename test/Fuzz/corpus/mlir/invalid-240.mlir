
// expected-error @+1 {{'func.func' op argument attribute 'ds.memory_space' must be "cpu" or "nvme"}}
func.func @memory_space_host(%x: tensor<4xf32> {ds.memory_space = "host"}) {
  return
}

