
// A fill is exact only where nothing else hides a score: not beside a
// causal mask (a row filled whole is uniform over the future keys too), not
// over a -inf mask (which the fill would turn into fill), not under a bias
// added after it (the filled scores would not be the fill).
func.func @fill_over_causal(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %keep: tensor<1x1x1x2xi1>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %causal = ds.constant dense<[[[[true, false], [true, true]]]]> : tensor<1x1x2x2xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %c = ds.select %causal, %s, %min : (tensor<1x1x2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %m = ds.select %keep, %c, %min : (tensor<1x1x1x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
func.func @fill_over_inf_mask(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %keep: tensor<1x1x1x2xi1>, %keep2: tensor<1x1x2x2xi1>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %inf = ds.constant dense<0xFF800000> : tensor<f32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %c = ds.select %keep2, %s, %inf : (tensor<1x1x2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %m = ds.select %keep, %c, %min : (tensor<1x1x1x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
func.func @bias_after_fill(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %keep: tensor<1x1x1x2xi1>, %alibi: tensor<1x1x1x2xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<1x1x1x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %b = ds.add %m, %alibi : (tensor<1x1x2x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %b dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
