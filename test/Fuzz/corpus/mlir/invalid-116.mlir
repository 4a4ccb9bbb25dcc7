
func.func @iota_scalar() {
  // expected-error @+1 {{'ds.iota' op dim 0 is out of range for rank 0}}
  %0 = ds.iota dim = 0 : tensor<i64>
  return
}

