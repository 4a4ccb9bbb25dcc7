
// -ds-host-updates after -ds-offload optimizer=cpu: each AdamW update reads
// its moments where they are in host memory (no reload) and returns their
// new values to be written there (no offload); it gets `on_host`. Its
// gradient goes out right after the matmul that computes it. Its parameter
// (in device memory) has a master copy in host memory, a new state
// argument that starts as the parameter's weights (ds.copy_of), after the
// step count: the update reads it and its new value is the copy's next
// one; it also comes back right after the update for the parameter. The
// parameter itself never goes out. The step count stays in device memory.

// Without master copies the parameter goes out right before its update
// every step.
// NO-MASTER-LABEL: func.func @train_step
// NO-MASTER-SAME: %[[W1:[a-z0-9]+]]: tensor<5x3xf32> {ds.name = "w1", ds.role = "parameter", ds.trainable}
// NO-MASTER-NOT: ds.copy_of
// NO-MASTER: %[[STEP:.*]] = ds.add
// NO-MASTER-NEXT: %[[PO1:.*]] = ds.offload %[[W1]] to "cpu" : tensor<5x3xf32>
// NO-MASTER-NEXT: %[[P1:.*]] = ds.wait %[[PO1]]
// NO-MASTER-NEXT: %[[N1:.*]], %{{.*}}, %{{.*}} = ds.adamw_update %[[P1]], {{.*}} on_host :
// NO-MASTER-NEXT: %[[R1:.*]] = ds.reload %[[N1]] from "cpu" : tensor<5x3xf32>
// NO-MASTER-NEXT: %[[B1:.*]] = ds.wait %[[R1]]
// NO-MASTER: return %{{.*}}, %[[B1]],

// Under ZeRO 2 the update reads this rank's flat piece of the parameter;
// the master copy is that piece (split like the moments, ds.data_shape the
// whole shape), and the new piece comes back to be gathered whole.
// ZERO-LABEL: func.func @train_step
// ZERO-SAME: %[[C1:[a-z0-9]+]]: tensor<8xf32> {ds.copy_of = "w1", ds.data_shape = array<i64: 5, 3>, ds.memory_space = "cpu", ds.name = "master.w1", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{"dp"}]>}
// ZERO-SAME: %[[C2:[a-z0-9]+]]: tensor<10xf32> {ds.copy_of = "w2", ds.data_shape = array<i64: 4, 5>, ds.memory_space = "cpu", ds.name = "master.w2", ds.role = "state", ds.sharding = #ds.sharding<@mesh, [{"dp"}]>}
// ZERO-NOT: ds.local_slice
// ZERO: %[[N1:.*]], %{{.*}}, %{{.*}} = ds.adamw_update %[[C1]], {{.*}} on_host :
// ZERO-NEXT: %[[R1:.*]] = ds.reload %[[N1]] from "cpu" : tensor<8xf32>
// ZERO-NEXT: %[[B1:.*]] = ds.wait %[[R1]]
// ZERO: ds.all_gather %[[B1]] on @mesh ["dp"] dim = 0 : (tensor<8xf32>) -> tensor<16xf32>
// ZERO-PLAN-DAG: host f32[8] "master.w1" data[5,3] copy of "w1"
// ZERO-PLAN-DAG: host f32[10] "master.w2" data[4,5] copy of "w2"

// The parameters in host memory too: each update reads and writes its
// parameter there as well, so only the gradient moves for it; after
// -ds-schedule it follows the backward's reload of its parameter (over at
// its wait) and comes right after its gradient is out.
// PARAMS-LABEL: func.func @train_step
// PARAMS-SAME: %[[W1:[a-z0-9]+]]: tensor<5x3xf32> {ds.memory_space = "cpu", ds.name = "w1", ds.role = "parameter", ds.trainable}
// PARAMS-SAME: %[[W2:[a-z0-9]+]]: tensor<4x5xf32> {ds.memory_space = "cpu", ds.name = "w2", ds.role = "parameter", ds.trainable}
// PARAMS: ds.cross_entropy_grad
// PARAMS: %[[B2:.*]] = ds.reload %[[W2]] from "cpu"
// PARAMS-NEXT: %[[L2:.*]] = ds.wait %[[B2]]
// PARAMS-NEXT: ds.matmul %{{.*}}, %[[L2]] :
// PARAMS: ds.offload %{{.*}} to "cpu" : tensor<4x5xf32>
// PARAMS-NEXT: %[[G2:.*]] = ds.wait
// PARAMS-NEXT: %[[N2:.*]], %{{.*}}, %{{.*}} = ds.adamw_update %[[W2]], %[[G2]], {{.*}} on_host :
// PARAMS-NEXT: ds.gelu_grad
// PARAMS: %[[N1:.*]], %{{.*}}, %{{.*}} = ds.adamw_update %[[W1]], {{.*}} on_host :
// PARAMS-NOT: ds.reload
// PARAMS-NOT: ds.offload
// PARAMS: return %{{.*}}, %[[N1]], %[[N2]],

// Scheduled: the parameter goes out after its last reader (the backward's
// matmul), the update follows its gradient, and the new parameter comes
// back right after the update, before the rest of the backward.
// SCHEDULE-LABEL: func.func @train_step
// SCHEDULE: ds.cross_entropy_grad
// SCHEDULE: ds.matmul %{{.*}}, %[[W2:[a-z0-9]+]] :
// SCHEDULE-NEXT: %[[PO:.*]] = ds.offload %[[W2]] to "cpu"
// SCHEDULE-NEXT: %[[P:.*]] = ds.wait %[[PO]]
// SCHEDULE: %[[GO:.*]] = ds.offload %{{.*}} to "cpu" : tensor<4x5xf32>
// SCHEDULE-NEXT: %[[G:.*]] = ds.wait %[[GO]]
// SCHEDULE-NEXT: %[[N:.*]], %{{.*}} = ds.sgd_update %[[P]], %[[G]], %{{.*}} on_host :
// SCHEDULE-NEXT: %[[R:.*]] = ds.reload %[[N]] from "cpu"
// SCHEDULE-NEXT: ds.wait %[[R]]
// SCHEDULE-NEXT: ds.gelu_grad

// Lowered: the state, the master copy and the gradient's copy the update
// reads are host buffers; the update writes the new parameter over the
// master copy, and the reload writes it straight into the parameter.
// LOWERED-DAG: %[[W1:.*]] = dsrt.persistent parameter "w1" : memref<5x3xf32>
// LOWERED-DAG: %[[B1:.*]] = dsrt.persistent state "momentum_buffer.w1" in "cpu" : memref<5x3xf32>
// LOWERED-DAG: %[[P1:.*]] = dsrt.persistent state "master.w1" in "cpu" copy_of "w1" : memref<5x3xf32>
// LOWERED-DAG: %[[G1:.*]] = dsrt.persistent state "host_update.w1.operand1" in "cpu" : memref<5x3xf32>
// LOWERED-NOT: dsrt.kernel "offload"(%[[W1]])
// LOWERED-DAG: dsrt.kernel "offload"(%{{.*}}) -> (%[[G1]])
// LOWERED: dsrt.kernel "sgd_update"(%[[P1]], %[[G1]], %[[B1]]) -> (%[[P1]], %[[B1]]) attrs {{{.*}}on_host{{.*}}}
// LOWERED-NEXT: dsrt.kernel "reload"(%[[P1]]) -> (%[[W1]])
// LOWERED-NEXT: dsrt.kernel "reload_wait"(%[[P1]]) -> (%[[W1]])
// LOWERED: dsrt.gradient %[[W1]], %[[G1]]

// The cost model times an update on the host at the host processor's
// figures (host_processor; a description without one runs on its host):
// on a host of one byte per second, the two updates' 480 + 640 bytes are
// the optimizer phase's 1120 seconds, which the device's own figures make
// a few picoseconds.
// COSTS: dsrt.kernel "sgd_update"{{.*}}on_host{{.*}}bytes = 6.400000e+02
// COSTS: dsrt.kernel "sgd_update"{{.*}}on_host{{.*}}bytes = 4.800000e+02
// BAD-HOST: ds-compile: error: {{.*}}bad.json: "host_processor": "memory_bandwidth" must be a positive number

// State on NVMe is not in host memory: the updates stay on the device.
// NVME-NOT: on_host
// NVME: ds.adamw_update
// NVME-NOT: on_host

// Plain SGD keeps no state: nothing to update on the host.
// NO-STATE-NOT: on_host

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
