// RUN: ds-opt %s -ds-autodiff='optimizer=adamw' -ds-offload=optimizer=nvme | FileCheck %s
// RUN: ds-opt %s -ds-autodiff='optimizer=sgd momentum=0.9' -ds-offload=optimizer=nvme -ds-schedule | FileCheck %s --check-prefix=SCHEDULE
// RUN: ds-opt %s -ds-autodiff='optimizer=adamw' -ds-offload=optimizer=nvme -ds-lower-to-runtime | FileCheck %s --check-prefix=LOWERED
// RUN: ds-opt %s -ds-autodiff='optimizer=adamw' -ds-offload | FileCheck %s --check-prefix=NONE
// RUN: not ds-opt %s -ds-autodiff -ds-offload=optimizer=cpu 2>&1 | FileCheck %s --check-prefix=BAD

// -ds-offload optimizer=nvme: AdamW's two moments of each parameter are kept
// on NVMe (ds.memory_space); each is reloaded right before its update and
// the new value offloaded right after it, returned in its place. The step
// counter (an integer) stays in memory.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[M1:[a-z0-9]+]]: tensor<5x3xf32> {ds.memory_space = "nvme", ds.name = "exp_avg.w1", ds.role = "state"}
// CHECK-SAME: %[[V1:[a-z0-9]+]]: tensor<5x3xf32> {ds.memory_space = "nvme", ds.name = "exp_avg_sq.w1", ds.role = "state"}
// CHECK-SAME: {ds.name = "step", ds.role = "state"}
// CHECK: %[[R1:.*]] = ds.reload %[[M1]] from "nvme" : tensor<5x3xf32>
// CHECK-NEXT: %[[R2:.*]] = ds.reload %[[V1]] from "nvme" : tensor<5x3xf32>
// CHECK-NEXT: %{{.*}}, %[[NM:.*]], %[[NV:.*]] = ds.adamw_update %{{.*}}, %{{.*}}, %[[R1]], %[[R2]]
// CHECK-NEXT: %[[OV:.*]] = ds.offload %[[NV]] to "nvme" : tensor<5x3xf32>
// CHECK-NEXT: %[[OM:.*]] = ds.offload %[[NM]] to "nvme" : tensor<5x3xf32>
// CHECK: return {{.*}}, %[[OM]], %[[OV]],

// After -ds-schedule each update follows its gradient, and its reload is
// still right before it (not hoisted to the start of the step).
// SCHEDULE-LABEL: func.func @train_step
// SCHEDULE: ds.cross_entropy_grad
// SCHEDULE: %[[G2:.*]] = ds.matmul {{.*}} transpose_lhs {{.*}} -> tensor<4x5xf32>
// SCHEDULE-NEXT: %[[R:.*]] = ds.reload %{{.*}} from "nvme" : tensor<4x5xf32>
// SCHEDULE-NEXT: %{{.*}}, %[[N:.*]] = ds.sgd_update %{{.*}}, %[[G2]], %[[R]]
// SCHEDULE-NEXT: ds.offload %[[N]] to "nvme"
// SCHEDULE: ds.gelu_grad
// SCHEDULE: ds.reload {{.*}} : tensor<5x3xf32>
// SCHEDULE-NEXT: ds.sgd_update

// Lowered, the state has no memory: reload reads its swap file into an
// arena buffer, the update writes the new state over it, and offload
// writes that back.
// LOWERED: %[[S:.*]] = dsrt.persistent state "exp_avg.w1" in "nvme" : memref<5x3xf32>
// LOWERED: dsrt.persistent state "step" : memref<i64>
// LOWERED: dsrt.kernel "reload"(%[[S]]) -> (%[[B:.*]]) attrs {space = "nvme"} phase optimizer
// LOWERED: dsrt.kernel "adamw_update"(%{{.*}}, %{{.*}}, %[[B]], %{{.*}}, %{{.*}}) -> (%{{.*}}, %[[B]], %{{.*}})
// LOWERED: dsrt.kernel "offload"(%[[B]]) -> (%[[S]]) attrs {space = "nvme"} phase optimizer

// NONE-NOT: ds.reload
// NONE-NOT: ds.memory_space
// BAD: ds-offload: optimizer state can stay in memory (none) or go to nvme, not 'cpu'

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
