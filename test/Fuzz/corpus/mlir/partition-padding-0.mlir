
// -ds-partition when sp does not divide the sequence (3 over sp = 2): the
// inputs grow to 4 (`ds.data_shape` keeps the 3 the user supplies; the
// runtime zero-fills the rest), a table indexed by position grows with zero
// rows before each rank takes its piece, the labels' padding becomes
// `ignore_index` and the count of real tokens masks it to 0, and every sum
// over positions (the weight gradients) masks the padded positions to 0.


// SP4-LABEL: func.func @train_step
// SP4-SAME: tensor<2x1xi64> {ds.data_shape = array<i64: 2, 3>, ds.name = "tokens"
func.func @forward(%wte: tensor<16x4xf32> {ds.name = "wte", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x3xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %pos = ds.constant dense<[[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2]]> : tensor<3x4xf32>
  %e = ds.embedding %wte, %tokens : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %x = ds.add %e, %pos : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  %h = ds.linear %x, %wte : (tensor<2x3x4xf32>, tensor<16x4xf32>) -> tensor<2x3x16xf32>
  %logits = ds.reshape %h : (tensor<2x3x16xf32>) -> tensor<6x16xf32>
  %lab = ds.reshape %labels : (tensor<2x3xi64>) -> tensor<6xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<6x16xf32>, tensor<6xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

