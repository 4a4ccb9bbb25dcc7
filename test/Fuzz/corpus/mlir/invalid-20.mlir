
func.func @state_on_tape() {
  // expected-error @+1 {{'dsrt.persistent' op only parameters and state can be kept in a memory space, "cpu" or "nvme"}}
  %s = dsrt.persistent state "s" in "tape" : memref<4xf32>
  return
}
