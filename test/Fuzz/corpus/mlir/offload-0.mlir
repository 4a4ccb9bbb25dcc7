
// -ds-offload optimizer=nvme: AdamW's two moments of each parameter are kept
// on NVMe (ds.memory_space); each is reloaded right before its update and
// the new value offloaded right after it, returned in its place; each
// transfer ends at a ds.wait right after it. The step counter (an integer)
// stays in memory.

// After -ds-schedule each update follows its gradient, and its reload is
// still right before it (not hoisted to the start of the step); so it
// stays with -ds-place-transfers=overlap=false.
// SCHEDULE-LABEL: func.func @train_step
// SCHEDULE: ds.cross_entropy_grad
// SCHEDULE: %[[G2:.*]] = ds.matmul {{.*}} transpose_lhs {{.*}} -> tensor<4x5xf32>
// SCHEDULE-NEXT: %[[S:.*]] = ds.reload %{{.*}} from "nvme" : tensor<4x5xf32>
// SCHEDULE-NEXT: %[[R:.*]] = ds.wait %[[S]]
// SCHEDULE-NEXT: %{{.*}}, %[[N:.*]] = ds.sgd_update %{{.*}}, %[[G2]], %[[R]]
// SCHEDULE-NEXT: %[[O:.*]] = ds.offload %[[N]] to "nvme"
// SCHEDULE-NEXT: ds.wait %[[O]]
// SCHEDULE: ds.gelu_grad
// SCHEDULE: ds.reload {{.*}} : tensor<5x3xf32>
// SCHEDULE-NEXT: ds.wait
// SCHEDULE-NEXT: ds.sgd_update

// -ds-place-transfers on the cpu preset: a read of 80 bytes takes the
// NVMe's 100 us latency, longer than the whole step, so each reload starts
// as early as the reads in flight allow (160 bytes here: both at the
// start) and each offload is waited for at the end, the first
// write's first (the disk serves them in order); the waits that end the
// reads stay right before the updates.
// PLACE-LABEL: func.func @train_step
// PLACE-NEXT: %[[S2:.*]] = ds.reload %{{.*}} from "nvme" : tensor<4x5xf32>
// PLACE-NEXT: %[[S1:.*]] = ds.reload %{{.*}} from "nvme" : tensor<5x3xf32>
// PLACE-NEXT: ds.linear
// PLACE: %[[R2:.*]] = ds.wait %[[S2]]
// PLACE-NEXT: %{{.*}}, %[[N2:.*]] = ds.sgd_update %{{.*}}, %{{.*}}, %[[R2]]
// PLACE-NEXT: %[[O2:.*]] = ds.offload %[[N2]]
// PLACE-NEXT: ds.gelu_grad
// PLACE: %[[R1:.*]] = ds.wait %[[S1]]
// PLACE-NEXT: %{{.*}}, %[[N1:.*]] = ds.sgd_update %{{.*}}, %{{.*}}, %[[R1]]
// PLACE-NEXT: %[[O1:.*]] = ds.offload %[[N1]]
// PLACE-NEXT: ds.wait %[[O2]]
// PLACE-NEXT: ds.wait %[[O1]]
// PLACE-NEXT: return

// The prefetch distance comes from the cost model: on a machine of one
// flop per second and an NVMe of one byte per second, reading the 80 bytes
// of w2's momentum takes 80 s, less than the 320 s of the matmul before its
// update: the read starts right before that matmul. Writing it back takes
// as long: its wait comes after the next matmul (gelu_grad alone is
// shorter).
// DISTANCE-LABEL: func.func @train_step
// DISTANCE-NOT: ds.reload
// DISTANCE: ds.cross_entropy_grad
// DISTANCE-NOT: ds.reload
// DISTANCE: %[[S2:.*]] = ds.reload %{{.*}} : tensor<4x5xf32>
// DISTANCE-NEXT: ds.matmul {{.*}} transpose_lhs
// DISTANCE-NEXT: %[[R2:.*]] = ds.wait %[[S2]]
// DISTANCE-NEXT: %{{.*}}, %[[N2:.*]] = ds.sgd_update %{{.*}}, %{{.*}}, %[[R2]]
// DISTANCE-NEXT: %[[O2:.*]] = ds.offload %[[N2]]
// DISTANCE-NEXT: ds.gelu_grad
// DISTANCE-NOT: ds.reload
// DISTANCE: %[[S1:.*]] = ds.reload %{{.*}} : tensor<5x3xf32>
// DISTANCE-NEXT: ds.matmul {{.*}} transpose_lhs
// DISTANCE-NEXT: ds.wait %[[O2]]
// DISTANCE-NEXT: ds.wait %[[S1]]

// The disk serves one read at a time. At 0.1 byte per second, w2's
// momentum (80 bytes) takes 800 s and w1's (60 bytes) 600 s; their updates
// run at 1305 s and 1665 s of compute. Alone, w2's read would start before
// the forward's second linear (at 280 s, over at 1080 s) and w1's before
// the matmul at 985 s; but w1's must begin on the disk by 1665 - 600 =
// 1065 s, so w2's must be over by then: it starts before the gelu (240 s).
// QUEUE-LABEL: func.func @train_step
// QUEUE-NEXT: ds.linear
// QUEUE-NEXT: %[[S2:.*]] = ds.reload %{{.*}} : tensor<4x5xf32>
// QUEUE-NEXT: ds.gelu
// QUEUE: %[[S1:.*]] = ds.reload %{{.*}} : tensor<5x3xf32>
// QUEUE-NEXT: ds.matmul {{.*}} transpose_lhs
// QUEUE-NEXT: ds.wait %[[S2]]

// NO-HARDWARE: error: ds-place-transfers: hardware '{{.*}}missing.json' is neither a preset

// With 80 bytes in flight at most (the default: the largest transfer),
// the second read starts only when the
// first is over, and the second write cannot overlap the first: the
// first's wait comes right before the second starts.
// BUDGET-LABEL: func.func @train_step
// BUDGET-NEXT: %[[S2:.*]] = ds.reload %{{.*}} : tensor<4x5xf32>
// BUDGET-NEXT: ds.linear
// BUDGET: %[[R2:.*]] = ds.wait %[[S2]]
// BUDGET-NEXT: %[[S1:.*]] = ds.reload %{{.*}} : tensor<5x3xf32>
// BUDGET-NEXT: %{{.*}}, %[[N2:.*]] = ds.sgd_update %{{.*}}, %{{.*}}, %[[R2]]
// BUDGET-NEXT: %[[O2:.*]] = ds.offload %[[N2]]
// BUDGET-NEXT: ds.gelu_grad
// BUDGET: ds.wait %[[S1]]
// BUDGET-NEXT: ds.sgd_update
// BUDGET-NEXT: ds.wait %[[O2]]
// BUDGET-NEXT: %[[O1:.*]] = ds.offload
// BUDGET-NEXT: ds.wait %[[O1]]
// BUDGET-NEXT: return

// Lowered, the state has no memory: reload reads its swap file into an
// arena buffer (over at reload_wait, same operands), the update writes the
// new state over it, and offload writes that back (over at offload_wait).
// LOWERED: %[[S:.*]] = dsrt.persistent state "exp_avg.w1" in "nvme" : memref<5x3xf32>
// LOWERED: dsrt.persistent state "step" : memref<i64>
// LOWERED: dsrt.kernel "reload"(%[[S]]) -> (%[[B:.*]]) attrs {space = "nvme"} phase optimizer
// LOWERED-NEXT: dsrt.kernel "reload_wait"(%[[S]]) -> (%[[B]]) attrs {} phase optimizer
// LOWERED: dsrt.kernel "adamw_update"(%{{.*}}, %{{.*}}, %[[B]], %{{.*}}, %{{.*}}) -> (%{{.*}}, %[[B]], %{{.*}})
// LOWERED: dsrt.kernel "offload"(%[[B]]) -> (%[[S]]) attrs {space = "nvme"} phase optimizer
// LOWERED-NEXT: dsrt.kernel "offload_wait"(%[[B]]) -> (%[[S]]) attrs {} phase optimizer

// NONE-NOT: ds.reload
// NONE-NOT: ds.memory_space
// With optimizer=cpu the state is kept in host memory, moved the same way.
// HOST: %[[S:.*]] = dsrt.persistent state "exp_avg.w1" in "cpu" : memref<5x3xf32>
// HOST: dsrt.kernel "reload"(%[[S]]) -> (%[[B:.*]]) attrs {space = "cpu"} phase optimizer
// HOST-NEXT: dsrt.kernel "reload_wait"(%[[S]]) -> (%[[B]])
// HOST: dsrt.kernel "offload"(%[[B]]) -> (%[[S]]) attrs {space = "cpu"} phase optimizer
// HOST-NEXT: dsrt.kernel "offload_wait"(%[[B]]) -> (%[[S]])

// activations=nvme: each forward value the backward reads again (the
// first linear's output, read by gelu_grad; the gelu's, read by the weight
// gradient of the second linear; the logits, read by cross_entropy_grad)
// is offloaded right after the op that computes it and reloaded before the
// backward's first reader, which reads the reload's wait.
// ACT-LABEL: func.func @train_step
// ACT: %[[H:.*]] = ds.linear
// ACT-NEXT: %[[OH:.*]] = ds.offload %[[H]] to "nvme" : tensor<4x2x5xf32>
// ACT-NEXT: %[[WH:.*]] = ds.wait %[[OH]]
// ACT-NEXT: %[[A:.*]] = ds.gelu %[[H]]
// ACT-NEXT: %[[OA:.*]] = ds.offload %[[A]] to "nvme"
// ACT-NEXT: ds.wait %[[OA]]
// ACT: %[[L:.*]] = ds.reshape {{.*}} -> tensor<8x4xf32>
// ACT-NEXT: %[[OL:.*]] = ds.offload %[[L]] to "nvme"
// ACT-NEXT: %[[WL:.*]] = ds.wait %[[OL]]
// ACT: %[[RL:.*]] = ds.reload %[[WL]] from "nvme" : tensor<8x4xf32>
// ACT-NEXT: %[[BL:.*]] = ds.wait %[[RL]]
// ACT-NEXT: ds.cross_entropy_grad %[[BL]]
// ACT: %[[RH:.*]] = ds.reload %[[WH]] from "nvme"
// ACT-NEXT: %[[BH:.*]] = ds.wait %[[RH]]
// ACT-NEXT: ds.gelu_grad %[[BH]]
// With at least 129 bytes, the two activations of 160 bytes; not the
// logits (128 bytes).
// ACT-MIN-COUNT-2: ds.offload %{{.*}} : tensor<4x2x5xf32>
// ACT-MIN-NOT: ds.offload
// ACT-AC: error: ds-activation-checkpoint: the step offloads its activations (-ds-offload activations); recompute or offload them, not both

// BAD: ds-offload: optimizer state can stay in memory (none), go to host memory (cpu) or to nvme, not 'tape'

func.func @forward(%w1: tensor<5x3xf32> {ds.name = "w1", ds.trainable},
                   %w2: tensor<4x5xf32> {ds.name = "w2", ds.trainable},
                   %x: tensor<4x2x3xf32> {ds.input, ds.name = "x"},
                   %labels: tensor<4x2xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %h = ds.linear %x, %w1 : (tensor<4x2x3xf32>, tensor<5x3xf32>) -> tensor<4x2x5xf32>
  %a = ds.gelu %h approximate = tanh : tensor<4x2x5xf32>
  %y = ds.linear %a, %w2 : (tensor<4x2x5xf32>, tensor<4x5xf32>) -> tensor<4x2x4xf32>
  %flat = ds.reshape %y : (tensor<4x2x4xf32>) -> tensor<8x4xf32>
  %lab = ds.reshape %labels : (tensor<4x2xi64>) -> tensor<8xi64>
  %l = ds.cross_entropy %flat, %lab ignore_index = -100 : (tensor<8x4xf32>, tensor<8xi64>) -> tensor<f32>
  return %l : tensor<f32>
}

// -ds-offload params=nvme: each parameter is on NVMe between its readers.
// The readers of each phase read a reload of their own: w1 by the forward's
// linear and by its update (its gradient does not read it), w2 by the
// forward, the backward's matmul and its update; each new value is
// offloaded right after its update and returned in its place.
// PARAMS-LABEL: func.func @train_step
// PARAMS-SAME: %[[W1:[a-z0-9]+]]: tensor<5x3xf32> {ds.memory_space = "nvme", ds.name = "w1", ds.role = "parameter", ds.trainable}
// PARAMS-SAME: %[[W2:[a-z0-9]+]]: tensor<4x5xf32> {ds.memory_space = "nvme", ds.name = "w2", ds.role = "parameter", ds.trainable}
// PARAMS: %[[F1:.*]] = ds.reload %[[W1]] from "nvme"
// PARAMS-NEXT: %[[L1:.*]] = ds.wait %[[F1]]
// PARAMS-NEXT: ds.linear %{{.*}}, %[[L1]]
// PARAMS: %[[F2:.*]] = ds.reload %[[W2]] from "nvme"
// PARAMS-NEXT: %[[L2:.*]] = ds.wait %[[F2]]
// PARAMS-NEXT: ds.linear %{{.*}}, %[[L2]]
// PARAMS: ds.cross_entropy_grad
// PARAMS: %[[B2:.*]] = ds.reload %[[W2]] from "nvme"
// PARAMS-NEXT: %[[G2:.*]] = ds.wait %[[B2]]
// PARAMS-NEXT: ds.matmul %{{.*}}, %[[G2]] :
// PARAMS: %[[U1:.*]] = ds.reload %[[W1]] from "nvme"
// PARAMS-NEXT: %[[P1:.*]] = ds.wait %[[U1]]
// PARAMS-NEXT: %[[N1:.*]], %{{.*}} = ds.sgd_update %[[P1]]
// PARAMS-NEXT: %[[O1:.*]] = ds.offload %[[N1]] to "nvme"
// PARAMS-NEXT: %[[R1:.*]] = ds.wait %[[O1]]
// PARAMS: %[[U2:.*]] = ds.reload %[[W2]] from "nvme"
// PARAMS-NEXT: %[[P2:.*]] = ds.wait %[[U2]]
// PARAMS-NEXT: %[[N2:.*]], %{{.*}} = ds.sgd_update %[[P2]]
// PARAMS-NEXT: %[[O2:.*]] = ds.offload %[[N2]] to "nvme"
// PARAMS-NEXT: %[[R2:.*]] = ds.wait %[[O2]]
// PARAMS-NEXT: return %{{.*}}, %[[R1]], %[[R2]]

// Placed (160 bytes in flight): a swap file has one transfer in flight, so each later read of a
// parameter starts right after the previous read's wait, not before it.
// PARAMS-PLACE-LABEL: func.func @train_step
// PARAMS-PLACE-SAME: %[[W1:[a-z0-9]+]]: tensor<5x3xf32>
// PARAMS-PLACE-SAME: %[[W2:[a-z0-9]+]]: tensor<4x5xf32>
// PARAMS-PLACE-NEXT: %[[F1:.*]] = ds.reload %[[W1]]
// PARAMS-PLACE-NEXT: %[[F2:.*]] = ds.reload %[[W2]]
// PARAMS-PLACE: ds.wait %[[F1]]
// PARAMS-PLACE-NEXT: %[[U1:.*]] = ds.reload %[[W1]]
// PARAMS-PLACE: ds.wait %[[F2]]
// PARAMS-PLACE-NEXT: %[[B2:.*]] = ds.reload %[[W2]]
// PARAMS-PLACE: ds.wait %[[B2]]
// PARAMS-PLACE-NEXT: %[[U2:.*]] = ds.reload %[[W2]]
// PARAMS-PLACE: ds.wait %[[U2]]
// PARAMS-PLACE: ds.wait %[[U1]]

// Lowered: the parameters are persistent buffers in host memory that only
// reload and offload touch.
// PARAMS-LOWERED: %[[W1:.*]] = dsrt.persistent parameter "w1" in "cpu" : memref<5x3xf32>
// PARAMS-LOWERED: %[[W2:.*]] = dsrt.persistent parameter "w2" in "cpu" : memref<4x5xf32>
// PARAMS-LOWERED-NOT: dsrt.kernel "{{linear|matmul|sgd_update}}"({{.*}}%[[W1]]{{[,)]}}
// PARAMS-LOWERED-NOT: dsrt.kernel "{{linear|matmul|sgd_update}}"({{.*}}%[[W2]]{{[,)]}}
// PARAMS-LOWERED: dsrt.kernel "offload"(%{{.*}}) -> (%[[W1]])
