
// ds.stop_gradient (torch's detach): the value flows, its gradient does not:
// w's gradient is the detached value x·w (through the second product only,
// not 2·x·w), and the op is gone once the backward is built.
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable}, %x: tensor<4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %y = ds.mul %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %d = ds.stop_gradient %y : tensor<4xf32>
  %z = ds.mul %d, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %l = ds.sum %z dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
