
func.func @softmax_dim_negative(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.softmax' op dim -1 is out of range for rank 2}}
  %0 = ds.softmax %x dim = -1 : tensor<2x8xf32>
  return
}

