
// where(tril, scores, -inf): the condition marks the kept entries; the
// softmax runs in f32 between conversions of f16 values.
func.func @where_mask_with_converts(%q: tensor<1x1x4x8xf16>, %k: tensor<1x1x4x8xf16>, %v: tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x4xf16>
  %lower = ds.constant dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
  %ninf = ds.constant dense<0xFC00> : tensor<f16>
  %m = ds.select %lower, %s, %ninf : (tensor<4x4xi1>, tensor<1x1x4x4xf16>, tensor<f16>) -> tensor<1x1x4x4xf16>
  %f = ds.convert %m : (tensor<1x1x4x4xf16>) -> tensor<1x1x4x4xf32>
  %p = ds.softmax %f dim = 3 : tensor<1x1x4x4xf32>
  %h = ds.convert %p : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf16>
  %o = ds.matmul %h, %v : (tensor<1x1x4x4xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16>
  return %o : tensor<1x1x4x8xf16>
}

