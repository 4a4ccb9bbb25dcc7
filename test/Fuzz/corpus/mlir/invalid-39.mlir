
//===----------------------------------------------------------------------===//
// Softmax and normalisations
//===----------------------------------------------------------------------===//

func.func @softmax_dim(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.softmax' op dim 2 is out of range for rank 2}}
  %0 = ds.softmax %x dim = 2 : tensor<2x8xf32>
  return
}

