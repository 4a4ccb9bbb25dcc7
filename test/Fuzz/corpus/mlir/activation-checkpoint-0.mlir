
// Two residual layers after an embedding-like linear: the chain is cut into
// [embedding] [layer 0] [layer 1] [loss]. Each layer reads its input %e /
// %r0 and carries one value on.
//
// full: each layer's tanh (read by its gradient and its second linear's
// weight gradient) is recomputed from the layer's input, in one region per
// layer placed before the layer's backward; CSE does not merge the copies
// back. The regions come in backward order: layer 1 (block 2), layer 0.
// FULL-LABEL: func.func @train_step
// FULL: %[[E:.*]] = ds.linear %arg5, %arg0
// FULL: %[[H0:.*]] = ds.linear %[[E]], %arg1
// FULL: %[[R0:.*]] = ds.add %[[E]]
// FULL: ds.sum
// FULL: %[[T1:.*]] = ds.recompute block = 2 (%[[R0]], %arg3) : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32> {
// FULL-NEXT: ^bb0(%[[X:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<8x8xf32>):
// FULL-NEXT: %[[H:.*]] = ds.linear %[[X]], %[[W]]
// FULL-NEXT: %[[T:.*]] = ds.tanh %[[H]]
// FULL-NEXT: ds.yield %[[T]] : tensor<4x8xf32>
// FULL-NEXT: }
// FULL-NEXT: ds.matmul %{{.*}}, %[[T1]] transpose_lhs
// FULL-NEXT: ds.mul %[[T1]], %[[T1]]
// FULL: %[[T0:.*]] = ds.recompute block = 1 (%[[E]], %arg1)
// FULL: ds.matmul %{{.*}}, %[[T0]] transpose_lhs
// FULL-NOT: ds.recompute

// selective: only the pointwise tanh is recomputed, from the saved linear
// output.
// SEL-LABEL: func.func @train_step
// SEL: %[[H0:.*]] = ds.linear %{{.*}}, %arg1
// SEL: %[[H1:.*]] = ds.linear %{{.*}}, %arg3
// SEL: ds.recompute block = 2 (%[[H1]]) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
// SEL-NEXT: ^bb0(%[[X:.*]]: tensor<4x8xf32>):
// SEL-NEXT: %[[T:.*]] = ds.tanh %[[X]]
// SEL-NEXT: ds.yield %[[T]]
// SEL: ds.recompute block = 1 (%[[H0]])
// SEL-NOT: ds.recompute

// NONE-NOT: ds.recompute

// BAD: error: ds-activation-checkpoint: unknown policy 'fancy' (none, selective, selective-comm or full)
// AUTO: error: ds-activation-checkpoint: policy auto is chosen by ds-compile --ac auto --memory-budget (it compiles candidates); give the pass layers= instead
// LAYERS: error: ds-activation-checkpoint: layers names 3 policies but the step has 2 layers

// A policy per layer: layer 0 keeps everything, layer 1 is recomputed.
// MIXED: ds.recompute block = 2
// MIXED-NOT: ds.recompute

// Regions are made after sharding, never before.
// ORDER: error: ds.recompute regions cannot be sharded: run -ds-activation-checkpoint after -ds-partition
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

// With the parameters in host memory (-ds-offload params=cpu, which runs
// first), recomputation still happens: a block's recompute region reads the
// parameter through a reload of its own in the backward, not the forward's
// (which would hold it in memory across the step) and not a copy of the
// forward's read.
// PARAMS-LABEL: func.func @train_step
// PARAMS: ds.sum
// PARAMS: %[[S:.*]] = ds.reload %arg3 from "cpu"
// PARAMS-NEXT: %[[W:.*]] = ds.wait %[[S]]
// PARAMS-NEXT: ds.recompute block = 2 (%{{.*}}, %[[W]])
// PARAMS-NOT: ds.reload
// PARAMS: ds.linear
// PARAMS: ds.yield
// PARAMS: %[[S1:.*]] = ds.reload %arg1 from "cpu"
// PARAMS-NEXT: %[[W1:.*]] = ds.wait %[[S1]]
// PARAMS-NEXT: ds.recompute block = 1 (%{{.*}}, %[[W1]])
