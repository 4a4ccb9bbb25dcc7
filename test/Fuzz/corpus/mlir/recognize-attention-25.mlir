
// A shift that is not the rows' maximum (here their first element, which
// a mask may make -inf) changes a softmax: left alone. So is a sink column
// whose probability is kept, and one sliced off the wrong end.
func.func @not_sinks(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %v5: tensor<1x2x5x8xf32>, %sinks: tensor<2xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %r = ds.reshape %sinks : (tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %col = ds.broadcast %r : (tensor<1x2x1x1xf32>) -> tensor<1x2x4x1xf32>
  %x = ds.concat %s, %col dim = 3 : (tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x5xf32>
  %first = ds.slice %x starts = [0, 0, 0, 0] limits = [1, 2, 4, 1] strides = [1, 1, 1, 1] : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x1xf32>
  %shifted = ds.sub %x, %first : (tensor<1x2x4x5xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x5xf32>
  %p = ds.softmax %shifted dim = 3 : tensor<1x2x4x5xf32>
  %kept = ds.slice %p starts = [0, 0, 0, 0] limits = [1, 2, 4, 4] strides = [1, 1, 1, 1] : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x4xf32>
  %o = ds.matmul %kept, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %p2 = ds.softmax %x dim = 3 : tensor<1x2x4x5xf32>
  %o2 = ds.matmul %p2, %v5 : (tensor<1x2x4x5xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32>
  %p3 = ds.softmax %x dim = 3 : tensor<1x2x4x5xf32>
  %front = ds.slice %p3 starts = [0, 0, 0, 1] limits = [1, 2, 4, 5] strides = [1, 1, 1, 1] : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x4xf32>
  %o3 = ds.matmul %front, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o, %o2, %o3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

