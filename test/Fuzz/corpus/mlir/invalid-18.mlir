
func.func @valid_range_order() {
  // expected-error @+1 {{'dsrt.persistent' op valid_range must be [lo, hi] or [lo, hi, also], lo <= hi}}
  %t = dsrt.persistent input "tokens" valid_range [4, 0] : memref<2x8xi64>
  return
}

