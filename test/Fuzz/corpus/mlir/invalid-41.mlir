
func.func @log_softmax_dim(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.log_softmax' op dim 5 is out of range for rank 2}}
  %0 = ds.log_softmax %x dim = 5 : tensor<2x8xf32>
  return
}

