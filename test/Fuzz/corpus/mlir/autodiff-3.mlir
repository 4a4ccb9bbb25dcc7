
// Attention (here grouped-query) differentiates through one attention_grad,
// which reads the forward output.

func.func @forward(%q: tensor<1x4x8x16xf32> {ds.name = "q", ds.trainable},
                   %k: tensor<1x2x8x16xf32> {ds.name = "k", ds.trainable},
                   %v: tensor<1x2x8x16xf32> {ds.name = "v", ds.trainable}) -> tensor<f32> {
  %o = ds.attention %q, %k, %v causal scale = 2.500000e-01 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32>
  %loss = ds.sum %o dims = [0, 1, 2, 3] : (tensor<1x4x8x16xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

