
func.func @data_shape_rank() {
  // expected-error @+1 {{'dsrt.persistent' op data_shape has 3 entries for a buffer of rank 2}}
  %t = dsrt.persistent input "tokens" data_shape [1, 2, 3] : memref<2x8xi64>
  return
}

