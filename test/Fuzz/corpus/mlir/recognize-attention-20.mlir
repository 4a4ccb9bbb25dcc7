
// A scale outside the cap multiplies the cap, the scale and the bias
// added after the cap: 2 * (3 * tanh(s / 4) + b) is 6 * tanh(1.5 s / 6)
// plus 2 b.
func.func @scaled_after_the_cap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c4 = ds.constant dense<4.0> : tensor<f32>
  %x = ds.div %s, %c4 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %t = ds.tanh %x : tensor<1x2x4x4xf32>
  %c3 = ds.constant dense<3.0> : tensor<f32>
  %y = ds.mul %c3, %t : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %z = ds.add %y, %b : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c2 = ds.constant dense<2.0> : tensor<f32>
  %w = ds.mul %z, %c2 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %w dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

