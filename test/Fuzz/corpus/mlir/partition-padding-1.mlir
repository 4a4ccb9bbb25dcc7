
// Causal attention over a padded sequence (3 -> 4) with 3 heads, which
// sp = 2 does not divide: q, k and v get a zero head (4 heads), the
// sequence stays padded through attention (no real query sees a padded
// key), one all-to-all each way moves whole heads, and the output is cut
// back to the 3 real heads. q, k and v are zeroed at padded positions (a
// non-finite value there would poison real rows through a zero weight);
// the backward reuses the forward's head-split q, k, v and output and masks
// the output gradient.

func.func @forward(%wq: tensor<16x6xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<16x6xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<16x6xf32> {ds.name = "wv", ds.trainable},
                   %wo: tensor<16x6xf32> {ds.name = "wo", ds.trainable},
                   %tokens: tensor<1x3xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<1x3xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %eq = ds.embedding %wq, %tokens : (tensor<16x6xf32>, tensor<1x3xi64>) -> tensor<1x3x6xf32>
  %ek = ds.embedding %wk, %tokens : (tensor<16x6xf32>, tensor<1x3xi64>) -> tensor<1x3x6xf32>
  %ev = ds.embedding %wv, %tokens : (tensor<16x6xf32>, tensor<1x3xi64>) -> tensor<1x3x6xf32>
  %q4 = ds.reshape %eq : (tensor<1x3x6xf32>) -> tensor<1x3x3x2xf32>
  %k4 = ds.reshape %ek : (tensor<1x3x6xf32>) -> tensor<1x3x3x2xf32>
  %v4 = ds.reshape %ev : (tensor<1x3x6xf32>) -> tensor<1x3x3x2xf32>
  %q = ds.transpose %q4 permutation = [0, 2, 1, 3] : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %k = ds.transpose %k4 permutation = [0, 2, 1, 3] : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %v = ds.transpose %v4 permutation = [0, 2, 1, 3] : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %o = ds.attention %q, %k, %v causal scale = 0.5 : (tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %ot = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %o3 = ds.reshape %ot : (tensor<1x3x3x2xf32>) -> tensor<1x3x6xf32>
  %h = ds.linear %o3, %wo : (tensor<1x3x6xf32>, tensor<16x6xf32>) -> tensor<1x3x16xf32>
  %logits = ds.reshape %h : (tensor<1x3x16xf32>) -> tensor<3x16xf32>
  %lab = ds.reshape %labels : (tensor<1x3xi64>) -> tensor<3xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<3x16xf32>, tensor<3xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

