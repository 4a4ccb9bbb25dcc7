
// One case per rule the dsrt verifiers check.

func.func @negative_offset() {
  // expected-error @+1 {{'dsrt.arena_buffer' op offset must be non-negative}}
  %a = dsrt.arena_buffer offset = -64 : memref<4xf32>
  return
}

