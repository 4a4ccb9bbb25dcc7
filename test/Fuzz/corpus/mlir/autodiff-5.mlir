
// Split and concat: the concat's gradient is sliced back into its pieces;
// the split's gradient concatenates them, with zeros for the piece that does
// not reach the loss.

func.func @forward(%w: tensor<2x6xf32> {ds.name = "w", ds.trainable}) -> tensor<f32> {
  %a:3 = ds.split %w dim = 1 sizes = [2, 1, 3] : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>)
  %c = ds.concat %a#2, %a#0 dim = 1 : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %e = ds.exp %c : tensor<2x5xf32>
  %loss = ds.sum %e dims = [0, 1] : (tensor<2x5xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

