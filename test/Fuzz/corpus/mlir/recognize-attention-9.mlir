
// OPT: q scaled before the product, 3-D bmm over [B*H, S, D], the additive
// mask in the 4-D view, the clamp at finfo.min (harmless: causal rows keep
// their diagonal), the softmax in 3-D.
func.func @opt_bmm_clamp(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32> {
  %c = ds.constant dense<0.125> : tensor<f32>
  %qs = ds.mul %q, %c : (tensor<2x2x4x8xf32>, tensor<f32>) -> tensor<2x2x4x8xf32>
  %q3 = ds.reshape %qs : (tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32>
  %k3 = ds.reshape %k : (tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32>
  %v3 = ds.reshape %v : (tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32>
  %kt = ds.transpose %k3 permutation = [0, 2, 1] : (tensor<4x4x8xf32>) -> tensor<4x8x4xf32>
  %s = ds.matmul %q3, %kt : (tensor<4x4x8xf32>, tensor<4x8x4xf32>) -> tensor<4x4x4xf32>
  %s4 = ds.reshape %s : (tensor<4x4x4xf32>) -> tensor<2x2x4x4xf32>
  %mask = ds.constant dense<[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %s4, %mask : (tensor<2x2x4x4xf32>, tensor<4x4xf32>) -> tensor<2x2x4x4xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %cl = ds.maximum %m, %min : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %m3 = ds.reshape %cl : (tensor<2x2x4x4xf32>) -> tensor<4x4x4xf32>
  %p = ds.softmax %m3 dim = 2 : tensor<4x4x4xf32>
  %o = ds.matmul %p, %v3 : (tensor<4x4x4xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}

