
// Keys and values repeated over heads (repeat_kv: unsqueeze, expand,
// reshape) become grouped-query attention over the original 2 heads.
func.func @grouped_query(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %k5 = ds.reshape %k : (tensor<1x2x4x8xf32>) -> tensor<1x2x1x4x8xf32>
  %ke = ds.broadcast %k5 : (tensor<1x2x1x4x8xf32>) -> tensor<1x2x2x4x8xf32>
  %kr = ds.reshape %ke : (tensor<1x2x2x4x8xf32>) -> tensor<1x4x4x8xf32>
  %v5 = ds.reshape %v : (tensor<1x2x4x8xf32>) -> tensor<1x2x1x4x8xf32>
  %ve = ds.broadcast %v5 : (tensor<1x2x1x4x8xf32>) -> tensor<1x2x2x4x8xf32>
  %vr = ds.reshape %ve : (tensor<1x2x2x4x8xf32>) -> tensor<1x4x4x8xf32>
  %s = ds.matmul %q, %kr transpose_rhs : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x4xf32>
  %c = ds.constant dense<0.5> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  %mask = ds.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %mask, %d : (tensor<4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x4x4x4xf32>
  %o = ds.matmul %p, %vr : (tensor<1x4x4x4xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

