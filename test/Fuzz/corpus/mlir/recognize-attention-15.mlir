
// A mask selected by a condition computed from the data, filling finfo.min:
// a row it hides whole has a uniform softmax, and the select gives its
// scores no gradient where a bias would (no constant proves that no row is
// hidden whole): the attention's fill, the mask a bias of -inf.
func.func @data_where_mask(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %keep: tensor<2x1x1x4xi1>) -> tensor<2x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x4xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<2x1x1x4xi1>, tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<2x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

