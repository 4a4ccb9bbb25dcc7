
// Hugging Face style: token ids into the embedding (through a reshape and a
// widening convert), labels into the loss with ignore_index = -100. The
// ranges are what every indexing op of the step accepts (the embedding's
// backward too).
func.func @forward(%wte: tensor<32x16xf32> {ds.name = "wte", ds.trainable},
                   %head: tensor<16x16xf32> {ds.name = "head", ds.trainable},
                   %ids: tensor<2x8xi32> {ds.input, ds.name = "input_ids"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %flat = ds.reshape %ids : (tensor<2x8xi32>) -> tensor<16xi32>
  %wide = ds.convert %flat : (tensor<16xi32>) -> tensor<16xi64>
  %x = ds.embedding %wte, %wide : (tensor<32x16xf32>, tensor<16xi64>) -> tensor<16x16xf32>
  %logits = ds.linear %x, %head : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

