
// A linear model trained with SGD: persistent buffers by role, the update
// written in place, a reshape as a view of its slot, slots reused once dead.
// The peak is at the weight gradient: dy, dw and the loss live, 64 + 128 + 64.
// The reshape is a view: same offset, no kernel.
func.func @train_step(%w: tensor<4x8xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
                      %buf: tensor<4x8xf32> {ds.name = "momentum_buffer.w", ds.role = "state"},
                      %x: tensor<2x8xf32> {ds.name = "x", ds.role = "input"},
                      %labels: tensor<2xi64> {ds.name = "labels", ds.role = "input"})
    -> (tensor<f32> {ds.role = "loss"}, tensor<4x8xf32> {ds.updates = "w"},
        tensor<4x8xf32> {ds.updates = "momentum_buffer.w"}, tensor<32xf32>)
    {
  %y = ds.linear %x, %w : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  %loss = ds.cross_entropy %y, %labels ignore_index = -100 : (tensor<2x4xf32>, tensor<2xi64>) -> tensor<f32>
  %one = ds.constant dense<1.0> : tensor<f32>
  %dy = ds.cross_entropy_grad %y, %labels, %one ignore_index = -100 : (tensor<2x4xf32>, tensor<2xi64>, tensor<f32>) -> tensor<2x4xf32>
  %dw = ds.matmul %dy, %x transpose_lhs : (tensor<2x4xf32>, tensor<2x8xf32>) -> tensor<4x8xf32>
  %flat = ds.reshape %dw : (tensor<4x8xf32>) -> tensor<32xf32>
  %w1, %buf1 = ds.sgd_update %w, %dw, %buf lr = 1.000000e-01 momentum = 9.000000e-01 weight_decay = 0.000000e+00 : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  return %loss, %w1, %buf1, %flat : tensor<f32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<32xf32>
}

