
func.func @transpose_perm_repeated(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.transpose' op permutation [0, 1, 1] is not a permutation of 0..2}}
  %0 = ds.transpose %x permutation = [0, 1, 1] : (tensor<2x8x4xf32>) -> tensor<2x8x8xf32>
  return
}

