
// nanoGPT style: one tensor gives both the inputs (idx[:, :-1]) and the
// targets (idx[:, 1:]). A slice leaves part of it unindexed, so no range is
// guessed for it; an ignore_index inside the classes adds nothing.
func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %idx: tensor<2x9xi64> {ds.input, ds.name = "idx"},
                   %targets: tensor<16xi64> {ds.input, ds.name = "targets"}) -> tensor<f32> {
  %x0 = ds.slice %idx starts = [0, 0] limits = [2, 8] strides = [1, 1] : (tensor<2x9xi64>) -> tensor<2x8xi64>
  %x1 = ds.reshape %x0 : (tensor<2x8xi64>) -> tensor<16xi64>
  %x = ds.embedding %wte, %x1 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<16x16xf32>
  %loss = ds.cross_entropy %x, %targets ignore_index = 0 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

