
func.func @input_in_nvme() {
  // expected-error @+1 {{'dsrt.persistent' op only parameters and state can be kept in a memory space, "cpu" or "nvme"}}
  %w = dsrt.persistent input "x" in "nvme" : memref<4xf32>
  return
}

