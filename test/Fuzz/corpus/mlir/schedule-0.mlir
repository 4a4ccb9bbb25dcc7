
// Each update runs as soon as its gradient is complete and every other
// reader of its parameter has run (it writes the parameter in place):
// layer 1's second weight is updated before layer 1's tanh gradient, its
// first weight before layer 0's backward, and so on down to the embedding.

// A recompute region reads its layer's weights: their updates wait for it.
// AC: %[[R:.*]] = ds.recompute block = 2 (%{{.*}}, %arg3)
// AC: ds.sgd_update %arg4
// AC: ds.sgd_update %arg3

// NOSTEP: error: ds-schedule needs func.func @train_step (run -ds-autodiff first)
func.func @forward(%we: tensor<8x8xf32> {ds.name = "embed.w", ds.trainable},
                   %a0: tensor<8x8xf32> {ds.name = "l0.a", ds.trainable},
                   %b0: tensor<8x8xf32> {ds.name = "l0.b", ds.trainable},
                   %a1: tensor<8x8xf32> {ds.name = "l1.a", ds.trainable},
                   %b1: tensor<8x8xf32> {ds.name = "l1.b", ds.trainable},
                   %x: tensor<4x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %e = ds.linear %x, %we : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %h0 = ds.linear %e, %a0 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %t0 = ds.tanh %h0 : tensor<4x8xf32>
  %o0 = ds.linear %t0, %b0 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %r0 = ds.add %e, %o0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %h1 = ds.linear %r0, %a1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %t1 = ds.tanh %h1 : tensor<4x8xf32>
  %o1 = ds.linear %t1, %b1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %r1 = ds.add %r0, %o1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %s = ds.sum %r1 dims = [0, 1] : (tensor<4x8xf32>) -> tensor<f32>
  return %s : tensor<f32>
}
