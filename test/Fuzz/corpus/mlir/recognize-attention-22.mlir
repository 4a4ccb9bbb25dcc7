
// A way of peeling that fails leaves nothing behind. q · kᵀ is not
// reached by a trainable parameter here, so the add is first read as the
// bias q · kᵀ · 0.5 on top of scores x · 0.25, whose peeling takes the
// 0.25 and fails at x; the other reading must start from scale 1 again
// (it once kept the 0.25: scale 0.125, a silently wrong attention).
func.func @failed_way_leaves_no_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c5 = ds.constant dense<0.5> : tensor<f32>
  %sq = ds.mul %s, %c5 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %c25 = ds.constant dense<0.25> : tensor<f32>
  %xb = ds.mul %x, %c25 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = ds.add %xb, %sq : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

