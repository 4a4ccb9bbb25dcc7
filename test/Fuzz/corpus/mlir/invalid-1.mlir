
func.func @dynamic_buffer() {
  // expected-error @+1 {{'dsrt.arena_buffer' op needs a static shape}}
  %a = dsrt.arena_buffer offset = 0 : memref<?xf32>
  return
}

