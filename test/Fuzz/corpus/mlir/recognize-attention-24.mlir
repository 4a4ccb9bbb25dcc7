
// `scores - scores.amax(-1, keepdim=True)` before the softmax: a shift the
// softmax does not see. Sinks broadcast from [H, 1, 1].
func.func @amax_shift_and_sinks(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %sinks: tensor<2x1x1xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x6xf32>
  %c = ds.constant dense<0.125> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x2x4x6xf32>, tensor<f32>) -> tensor<1x2x4x6xf32>
  %col = ds.broadcast %sinks : (tensor<2x1x1xf32>) -> tensor<1x2x4x1xf32>
  %x = ds.concat %d, %col dim = 3 : (tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x7xf32>
  %max = ds.max %x dims = [3] keepdim : (tensor<1x2x4x7xf32>) -> tensor<1x2x4x1xf32>
  %shifted = ds.sub %x, %max : (tensor<1x2x4x7xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x7xf32>
  %p = ds.softmax %shifted dim = 3 : tensor<1x2x4x7xf32>
  %kept = ds.slice %p starts = [0, 0, 0, 0] limits = [1, 2, 4, 6] strides = [1, 1, 1, 1] : (tensor<1x2x4x7xf32>) -> tensor<1x2x4x6xf32>
  %o = ds.matmul %kept, %v : (tensor<1x2x4x6xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

