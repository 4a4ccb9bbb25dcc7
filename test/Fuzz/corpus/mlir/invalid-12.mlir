
func.func @data_shape_negative() {
  // expected-error @+1 {{'dsrt.persistent' op data_shape entries must be >= 0}}
  %t = dsrt.persistent input "tokens" data_shape [2, -1] : memref<2x8xi64>
  return
}

