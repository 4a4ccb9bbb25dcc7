
// A sequence of 7 over sp = 2: -ds-pad-sequence grows it to 8 (the data
// stays 7 long: ds.data_shape), the padded positions are zeroed before the
// causal attention, and the shardings are those of the even case.

func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %wq: tensor<16x16xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<8x16xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<8x16xf32> {ds.name = "wv", ds.trainable},
                   %tokens: tensor<2x7xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x7xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x16xf32>, tensor<2x7xi64>) -> tensor<2x7x16xf32>
  %q0 = ds.linear %x, %wq : (tensor<2x7x16xf32>, tensor<16x16xf32>) -> tensor<2x7x16xf32>
  %k0 = ds.linear %x, %wk : (tensor<2x7x16xf32>, tensor<8x16xf32>) -> tensor<2x7x8xf32>
  %v0 = ds.linear %x, %wv : (tensor<2x7x16xf32>, tensor<8x16xf32>) -> tensor<2x7x8xf32>
  %q1 = ds.reshape %q0 : (tensor<2x7x16xf32>) -> tensor<2x7x4x4xf32>
  %k1 = ds.reshape %k0 : (tensor<2x7x8xf32>) -> tensor<2x7x2x4xf32>
  %v1 = ds.reshape %v0 : (tensor<2x7x8xf32>) -> tensor<2x7x2x4xf32>
  %q = ds.transpose %q1 permutation = [0, 2, 1, 3] : (tensor<2x7x4x4xf32>) -> tensor<2x4x7x4xf32>
  %k = ds.transpose %k1 permutation = [0, 2, 1, 3] : (tensor<2x7x2x4xf32>) -> tensor<2x2x7x4xf32>
  %v = ds.transpose %v1 permutation = [0, 2, 1, 3] : (tensor<2x7x2x4xf32>) -> tensor<2x2x7x4xf32>
  %o = ds.attention %q, %k, %v causal scale = 5.000000e-01 : (tensor<2x4x7x4xf32>, tensor<2x2x7x4xf32>, tensor<2x2x7x4xf32>) -> tensor<2x4x7x4xf32>
  %o1 = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<2x4x7x4xf32>) -> tensor<2x7x4x4xf32>
  %o2 = ds.reshape %o1 : (tensor<2x7x4x4xf32>) -> tensor<2x7x16xf32>
  %logits = ds.linear %o2, %wte : (tensor<2x7x16xf32>, tensor<16x16xf32>) -> tensor<2x7x16xf32>
  %flat = ds.reshape %logits : (tensor<2x7x16xf32>) -> tensor<14x16xf32>
  %lab = ds.reshape %labels : (tensor<2x7xi64>) -> tensor<14xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<14x16xf32>, tensor<14xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

