
// A clamp without a causal mask could turn a fully masked row of -inf
// into a uniform one: left alone.
func.func @clamp_without_causal_stays(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %bias: tensor<1x1x2x2xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %m = ds.add %s, %bias : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %cl = ds.maximum %m, %min : (tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %cl dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

