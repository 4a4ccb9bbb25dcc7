
// Sizes a plan cannot address are refused at the value, not found
// overflowing later.
// expected-error @+1 {{a value of type 'tensor<68719476736x1073741824xf32>' holds more than 2^62 bytes (4 EiB); no plan can hold it}}
func.func @train_step(%w: tensor<68719476736x1073741824xf32> {ds.name = "w", ds.role = "parameter"}) -> (tensor<f32> {ds.role = "loss"}) {
  %l = ds.sum %w dims = [0, 1] : (tensor<68719476736x1073741824xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

