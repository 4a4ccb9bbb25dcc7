
func.func @cumsum_dim(%x: tensor<2x8xi64>) {
  // expected-error @+1 {{'ds.cumsum' op dim 2 is out of range for rank 2}}
  %0 = ds.cumsum %x dim = 2 : tensor<2x8xi64>
  return
}

