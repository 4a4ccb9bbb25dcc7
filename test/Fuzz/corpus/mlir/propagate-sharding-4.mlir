
// Attention sinks (GPT-OSS), trained: the backward's sinks gradient [Hq]
// has neither sequence, yet the sequence split still moves to the heads
// (the gradient stays split on them) rather than gathering q, k, v, the
// output and its gradient.

func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %wq: tensor<16x16xf32> {ds.name = "wq", ds.trainable},
                   %sinks: tensor<4xf32> {ds.name = "sinks", ds.trainable},
                   %tokens: tensor<2x8xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  %q0 = ds.linear %x, %wq : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %q1 = ds.reshape %q0 : (tensor<2x8x16xf32>) -> tensor<2x8x4x4xf32>
  %q = ds.transpose %q1 permutation = [0, 2, 1, 3] : (tensor<2x8x4x4xf32>) -> tensor<2x4x8x4xf32>
  %o = ds.attention %q, %q, %q sinks %sinks causal scale = 5.000000e-01 : (tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>, tensor<2x4x8x4xf32>, tensor<4xf32>) -> tensor<2x4x8x4xf32>
  %o1 = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<2x4x8x4xf32>) -> tensor<2x8x4x4xf32>
  %o2 = ds.reshape %o1 : (tensor<2x8x4x4xf32>) -> tensor<2x8x16xf32>
  %logits = ds.linear %o2, %wte : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %flat = ds.reshape %logits : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
