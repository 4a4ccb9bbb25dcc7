
func.func @transpose_perm_size(%x: tensor<2x8x4xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.transpose' op permutation has 2 entries for rank 3}}
  %0 = ds.transpose %x permutation = [1, 0] : (tensor<2x8x4xf32>) -> tensor<8x2x4xf32>
  return
}

