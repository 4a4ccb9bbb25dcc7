
// A mean over the padded sequence sees zeros there and is rescaled by the
// padded over the real count (8/6), in f32 for a bf16 mean.

func.func @forward(%w: tensor<16x4xbf16> {ds.name = "w", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"}) -> tensor<bf16> {
  %e = ds.embedding %w, %tokens : (tensor<16x4xbf16>, tensor<2x3xi64>) -> tensor<2x3x4xbf16>
  %m = ds.mean %e dims = [0, 1, 2] : (tensor<2x3x4xbf16>) -> tensor<bf16>
  return %m : tensor<bf16>
}

