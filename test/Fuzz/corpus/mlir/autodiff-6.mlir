
// A trainable parameter the loss does not depend on keeps its value and its
// state, as torch.optim skips parameters without a gradient.

func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable},
                   %unused: tensor<3xf32> {ds.name = "unused", ds.trainable}) -> tensor<f32> {
  %loss = ds.sum %w dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

