
// Non-causal attention (an encoder) with a key-padding bias [B, 1, 1, S]
// over a padded sequence (3 -> 4, sp = 2): the queries stay padded (each
// row is independent), the keys too, with the padded key masked by
// `key_length = 3`, forward and backward; the bias grows with a zero
// column. q, k and v move to heads (one all-to-all each way); the bias,
// which has no heads, is gathered whole.

func.func @forward(%wq: tensor<16x4xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<16x4xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<16x4xf32> {ds.name = "wv", ds.trainable},
                   %wo: tensor<16x4xf32> {ds.name = "wo", ds.trainable},
                   %tokens: tensor<1x3xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<1x3xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %eq = ds.embedding %wq, %tokens : (tensor<16x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %ek = ds.embedding %wk, %tokens : (tensor<16x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %ev = ds.embedding %wv, %tokens : (tensor<16x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %q4 = ds.reshape %eq : (tensor<1x3x4xf32>) -> tensor<1x3x2x2xf32>
  %k4 = ds.reshape %ek : (tensor<1x3x4xf32>) -> tensor<1x3x2x2xf32>
  %v4 = ds.reshape %ev : (tensor<1x3x4xf32>) -> tensor<1x3x2x2xf32>
  %q = ds.transpose %q4 permutation = [0, 2, 1, 3] : (tensor<1x3x2x2xf32>) -> tensor<1x2x3x2xf32>
  %k = ds.transpose %k4 permutation = [0, 2, 1, 3] : (tensor<1x3x2x2xf32>) -> tensor<1x2x3x2xf32>
  %v = ds.transpose %v4 permutation = [0, 2, 1, 3] : (tensor<1x3x2x2xf32>) -> tensor<1x2x3x2xf32>
  %zero = ds.constant dense<0> : tensor<i64>
  %pad = ds.compare eq, %tokens, %zero : (tensor<1x3xi64>, tensor<i64>) -> tensor<1x3xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %none = ds.constant dense<0.0> : tensor<f32>
  %mask2 = ds.select %pad, %min, %none : (tensor<1x3xi1>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  %mask = ds.reshape %mask2 : (tensor<1x3xf32>) -> tensor<1x1x1x3xf32>
  %o = ds.attention %q, %k, %v bias %mask scale = 0.5 : (tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>, tensor<1x1x1x3xf32>) -> tensor<1x2x3x2xf32>
  %ot = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<1x2x3x2xf32>) -> tensor<1x3x2x2xf32>
  %o3 = ds.reshape %ot : (tensor<1x3x2x2xf32>) -> tensor<1x3x4xf32>
  %h = ds.linear %o3, %wo : (tensor<1x3x4xf32>, tensor<16x4xf32>) -> tensor<1x3x16xf32>
  %logits = ds.reshape %h : (tensor<1x3x16xf32>) -> tensor<3x16xf32>
  %lab = ds.reshape %labels : (tensor<1x3xi64>) -> tensor<3xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<3x16xf32>, tensor<3xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

