
// A right side that is no transpose is kᵀ itself, laid out [B, H, D, S]
// (BLOOM permutes its key that way): the key is its transpose.
func.func @key_given_transposed(%q: tensor<1x1x2x2xf32>, %k: tensor<1x1x2x2xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %s dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

