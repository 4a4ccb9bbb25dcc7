
// DeBERTa-v2: kᵀ divided by sqrt(d * factor) before the product, a bias
// computed from q and k added, finfo.min filled where the padding mask
// [B, 1, S, S] hides, then halved: the scale takes the division and the
// halving, the fill is finfo.min halved, the bias keeps its gradient path.
func.func @deberta_fill(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %keep: tensor<2x1x4x4xi1>, %rel: tensor<2x2x4x4xf32>) -> tensor<2x2x4x8xf32> {
  %kt = ds.transpose %k permutation = [0, 1, 3, 2] : (tensor<2x2x4x8xf32>) -> tensor<2x2x8x4xf32>
  %c = ds.constant dense<4.0> : tensor<f32>
  %kd = ds.div %kt, %c : (tensor<2x2x8x4xf32>, tensor<f32>) -> tensor<2x2x8x4xf32>
  %s = ds.matmul %q, %kd : (tensor<2x2x4x8xf32>, tensor<2x2x8x4xf32>) -> tensor<2x2x4x4xf32>
  %b = ds.add %s, %rel : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %b, %min : (tensor<2x1x4x4xi1>, tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %h = ds.constant dense<0.5> : tensor<f32>
  %x = ds.mul %m, %h : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = ds.softmax %x dim = 3 : tensor<2x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

