
// A constant mask that is no causal pattern but hides no row whole: the
// bias select(keep, 0, min) is exact and taken; one that hides a row is
// the attention's fill.
func.func @constant_mask_rows(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %keep = ds.constant dense<[[[[false, true], [true, true]]]]> : tensor<1x1x2x2xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<1x1x2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
func.func @constant_mask_hidden_row(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %keep = ds.constant dense<[[[[false, false], [true, true]]]]> : tensor<1x1x2x2xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<1x1x2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

