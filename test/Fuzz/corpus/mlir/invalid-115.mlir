
func.func @iota_dim_negative() {
  // expected-error @+1 {{'ds.iota' op dim -1 is out of range for rank 2}}
  %0 = ds.iota dim = -1 : tensor<4x8xi64>
  return
}

