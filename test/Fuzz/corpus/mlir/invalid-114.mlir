
func.func @iota_dim() {
  // expected-error @+1 {{'ds.iota' op dim 1 is out of range for rank 1}}
  %0 = ds.iota dim = 1 : tensor<8xi64>
  return
}

