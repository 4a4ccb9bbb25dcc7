
// BLOOM / NeoX: baddbmm(alibi, q, kᵀ, beta=1, alpha) over [B*H, S, D], the
// causal mask by masked_fill on the 4-D view: the ALiBi term becomes the
// bias [1, H, 1, S] (not scaled: it is added after alpha).
func.func @baddbmm_alibi(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32> {
  %q3 = ds.reshape %q : (tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32>
  %k3 = ds.reshape %k : (tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32>
  %v3 = ds.reshape %v : (tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32>
  %s = ds.matmul %q3, %k3 transpose_rhs : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x4xf32>
  %alpha = ds.constant dense<0.5> : tensor<f32>
  %sa = ds.mul %s, %alpha : (tensor<2x4x4xf32>, tensor<f32>) -> tensor<2x4x4xf32>
  %alibi = ds.constant dense<[[[0.0, 0.5, 1.0, 1.5]], [[0.0, 0.25, 0.5, 0.75]]]> : tensor<2x1x4xf32>
  %sb = ds.add %alibi, %sa : (tensor<2x1x4xf32>, tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s4 = ds.reshape %sb : (tensor<2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %upper = ds.constant dense<[[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]> : tensor<4x4xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %upper, %min, %s4 : (tensor<4x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %p3 = ds.reshape %p : (tensor<1x2x4x4xf32>) -> tensor<2x4x4xf32>
  %o = ds.matmul %p3, %v3 : (tensor<2x4x4xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

