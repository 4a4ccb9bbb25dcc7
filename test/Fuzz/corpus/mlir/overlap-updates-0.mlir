
// A GPU plan's updates on the device stay in order (on-host-only)...
// DEVICE-LABEL: func.func @train_step
// DEVICE-NOT: beside
// DEVICE: return
// ... and those on the host go beside.
// HOST-LABEL: func.func @train_step
// HOST: ds.adamw_update {{.*}} beside {{[0-9]+}} on_host :
// HOST: ds.adamw_update {{.*}} beside {{[0-9]+}} on_host :
// HOST: ds.adamw_update
// HOST-NOT: beside
// HOST-SAME: on_host :

// Each update with compute after it runs beside as many compute ops (not
// reshapes, transfers, waits or other updates) as the cost model says it
// takes; the last update, with nothing after it, runs in place. On the cpu
// preset the updates of these tiny layers (five passes over memory each,
// the for-loop form's) are over within two ops.

// Updates at one vector flop a second: w3's (80 flops) outlasts gelu_grad
// (40), two matmuls (0.4 each) and the second gelu_grad, and is over
// before the last matmul begins; w2's (100 flops) waits for it on the side
// thread and so outlasts everything after it (2 ops).
// SLOW: ds.sgd_update {{.*}} beside 4 :
// SLOW: ds.sgd_update {{.*}} beside 2 :
// SLOW: ds.sgd_update
// SLOW-NOT: beside
// SLOW-SAME: :

// The lowered kernels carry the decision to ds-run.
// LOWERED: dsrt.kernel "sgd_update"{{.*}} attrs {beside = 4 : i64,
// LOWERED: dsrt.kernel "sgd_update"{{.*}} attrs {beside = 2 : i64,
// LOWERED: dsrt.kernel "sgd_update"
// LOWERED-NOT: beside
// LOWERED-SAME: attrs {lr

// With the state on NVMe the reloads, offloads and waits around an update
// do not count as compute it overlaps.
// OFFLOAD-LABEL: func.func @train_step
// OFFLOAD: ds.adamw_update {{.*}} beside {{[1-9]}} :
// OFFLOAD: ds.adamw_update {{.*}} beside {{[1-9]}} :
// OFFLOAD: ds.adamw_update
// OFFLOAD-NOT: beside
// OFFLOAD-SAME: :

// NO-HARDWARE: error: ds-overlap-updates: {{.*}}missing.json

func.func @forward(%w1: tensor<5x3xf32> {ds.name = "w1", ds.trainable},
                   %w2: tensor<5x5xf32> {ds.name = "w2", ds.trainable},
                   %w3: tensor<4x5xf32> {ds.name = "w3", ds.trainable},
                   %x: tensor<4x2x3xf32> {ds.name = "x"},
                   %labels: tensor<4x2xi64> {ds.name = "labels"}) -> tensor<f32> {
  %h = ds.linear %x, %w1 : (tensor<4x2x3xf32>, tensor<5x3xf32>) -> tensor<4x2x5xf32>
  %a = ds.gelu %h approximate = tanh : tensor<4x2x5xf32>
  %h2 = ds.linear %a, %w2 : (tensor<4x2x5xf32>, tensor<5x5xf32>) -> tensor<4x2x5xf32>
  %a2 = ds.gelu %h2 approximate = tanh : tensor<4x2x5xf32>
  %y = ds.linear %a2, %w3 : (tensor<4x2x5xf32>, tensor<4x5xf32>) -> tensor<4x2x4xf32>
  %flat = ds.reshape %y : (tensor<4x2x4xf32>) -> tensor<8x4xf32>
  %lab = ds.reshape %labels : (tensor<4x2xi64>) -> tensor<8xi64>
  %l = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<8x4xf32>, tensor<8xi64>) -> tensor<f32>
  return %l : tensor<f32>
}
