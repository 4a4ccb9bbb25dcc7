
// Probabilities that are also returned cannot disappear into ds.attention.
func.func @probabilities_reused(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> (tensor<1x1x2x8xf32>, tensor<1x1x2x2xf32>) {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %s dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o, %p : tensor<1x1x2x8xf32>, tensor<1x1x2x2xf32>
}

