
// The tokens flattened and summed along ([B * S] with S split; GShard's
// expert slots are a running sum over them): the sum needs [B * S] whole,
// gets the features split instead, and hands its result back split on the
// major piece (each rank a block of rows: here a batch row). The flattened
// labels still carry the sequence split. Two operands splitting different
// pieces of one factor over one axis do not combine (before, the loss read
// {2:"sp", 16:"sp"}: each rank a quarter of the tokens, the loss over half
// of them): the labels are resharded onto the logits' piece.

func.func @forward(%wte: tensor<16x16xf32> {ds.name = "wte", ds.trainable},
                   %tokens: tensor<2x8xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x8xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x = ds.embedding %wte, %tokens : (tensor<16x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  %rows = ds.reshape %x : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %run = ds.cumsum %rows dim = 0 : tensor<16x16xf32>
  %h = ds.reshape %run : (tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %logits = ds.linear %h, %wte : (tensor<2x8x16xf32>, tensor<16x16xf32>) -> tensor<2x8x16xf32>
  %flat = ds.reshape %logits : (tensor<2x8x16xf32>) -> tensor<16x16xf32>
  %lab = ds.reshape %labels : (tensor<2x8xi64>) -> tensor<16xi64>
  %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<16x16xf32>, tensor<16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

