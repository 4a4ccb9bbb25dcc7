
// Two embeddings of one input (tied vocabularies of different sizes): the
// smaller bounds it.
func.func @forward(%a: tensor<32x4xf32> {ds.name = "a", ds.trainable},
                   %b: tensor<8x4xf32> {ds.name = "b", ds.trainable},
                   %ids: tensor<4xi64> {ds.input, ds.name = "ids"}) -> tensor<f32> {
  %x = ds.embedding %a, %ids : (tensor<32x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  %y = ds.embedding %b, %ids : (tensor<8x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  %z = ds.add %x, %y : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %l = ds.sum %z dims = [0, 1] : (tensor<4x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
