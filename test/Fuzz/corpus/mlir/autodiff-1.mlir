
// A tied embedding: the table's gradients from the output projection and
// from the lookup are summed.

func.func @forward(%wte: tensor<16x4xf32> {ds.name = "wte", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<6xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %e = ds.embedding %wte, %tokens padding_idx = 1 : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %h = ds.linear %e, %wte : (tensor<2x3x4xf32>, tensor<16x4xf32>) -> tensor<2x3x16xf32>
  %logits = ds.reshape %h : (tensor<2x3x16xf32>) -> tensor<6x16xf32>
  %loss = ds.cross_entropy %logits, %labels ignore_index = -100 : (tensor<6x16xf32>, tensor<6xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

