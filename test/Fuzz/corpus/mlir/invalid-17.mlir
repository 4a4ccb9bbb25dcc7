
func.func @valid_range_float() {
  // expected-error @+1 {{'dsrt.persistent' op valid_range is for integer inputs}}
  %x = dsrt.persistent input "x" valid_range [0, 4] : memref<2x8xf32>
  return
}

