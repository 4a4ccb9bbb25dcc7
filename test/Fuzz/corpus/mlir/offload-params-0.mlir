
// A parameter on the left of its matmul (W x, as in a layer scale): the
// backward computes W2's gradient before the input's gradient, which reads
// W2 again. -ds-schedule moves each update right after its gradient, but
// not before the other readers of what it updates: W2's update (and the
// offload of its new value) waits for the backward's matmul that reads
// W2's backward reload, so that read gets the old value.

// Lowered with host copies that move (a GPU preset): the plan validates
// (ds-compile checks the same order at emission); W2's new value is written
// after the backward read of the old.
// LOWERED: %[[W2:.*]] = dsrt.persistent parameter "w2" in "cpu"
// LOWERED: dsrt.kernel "reload_wait"(%[[W2]]) -> (%[[B:.*]]) attrs {} phase backward
// LOWERED: dsrt.kernel "offload"(%{{.*}}) -> (%[[W2]])
func.func @forward(%x: tensor<3x2xf32> {ds.input, ds.name = "x"},
                   %w1: tensor<4x3xf32> {ds.name = "w1", ds.trainable},
                   %w2: tensor<5x4xf32> {ds.name = "w2", ds.trainable}) -> tensor<f32> {
  %h = ds.matmul %w1, %x : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %a = ds.tanh %h : tensor<4x2xf32>
  %y = ds.matmul %w2, %a : (tensor<5x4xf32>, tensor<4x2xf32>) -> tensor<5x2xf32>
  %l = ds.sum %y dims = [0, 1] : (tensor<5x2xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
