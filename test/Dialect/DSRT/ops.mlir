// RUN: ds-opt %s | ds-opt | FileCheck %s
// RUN: ds-opt %s --mlir-print-op-generic | ds-opt | FileCheck %s

// Every op of the dsrt dialect survives a round trip through its assembly
// format and the generic form.

// CHECK:       dsrt.mesh @mesh ["dp", "sp"] sizes [2, 4]
// CHECK-LABEL: func.func @step()
// CHECK-NEXT:    %[[A:.*]] = dsrt.arena_buffer offset = 0 : memref<2x8xf32>
// CHECK-NEXT:    %[[B:.*]] = dsrt.arena_buffer offset = 64 : memref<2x4xf32>
// CHECK-NEXT:    %[[W:.*]] = dsrt.persistent parameter "fc.weight" : memref<4x8xf32>
// CHECK-NEXT:    %[[S:.*]] = dsrt.persistent state "exp_avg.fc.weight" : memref<4x8xf32>
// CHECK-NEXT:    %[[X:.*]] = dsrt.persistent input "x" : memref<2x8xf32>
// CHECK-NEXT:    %[[T:.*]] = dsrt.persistent input "tokens" split ["dp", "sp"] data_shape [4, 30] valid_range [0, 256, -100] : memref<2x8xi64>
// CHECK-NEXT:    %[[V:.*]] = dsrt.persistent state "exp_avg_sq.fc.weight" in "nvme" : memref<4x8xf32>
// CHECK-NEXT:    %[[H:.*]] = dsrt.persistent state "momentum_buffer.fc.weight" in "cpu" : memref<4x8xf32>
// CHECK-NEXT:    %[[P:.*]] = dsrt.persistent parameter "fc.bias" in "nvme" : memref<8xf32>
// CHECK-NEXT:    %[[C:.*]] = dsrt.constant dense<1> : tensor<i64> : memref<i64>
// CHECK-NEXT:    dsrt.kernel "matmul"(%[[X]], %[[W]]) -> (%[[B]]) attrs {transpose_rhs} phase forward : (memref<2x8xf32>, memref<4x8xf32>) -> (memref<2x4xf32>)
// CHECK-NEXT:    dsrt.kernel "neg"(%[[X]]) -> (%[[A]]) attrs {} : (memref<2x8xf32>) -> (memref<2x8xf32>)
// CHECK-NEXT:    dsrt.kernel "all_reduce" on @mesh(%[[A]]) -> (%[[A]]) attrs {axes = ["sp"], reduction = "sum"} phase backward : (memref<2x8xf32>) -> (memref<2x8xf32>)
// CHECK-NEXT:    dsrt.loss %[[C]] : memref<i64>
// CHECK-NEXT:    dsrt.gradient %[[W]], %[[S]] : memref<4x8xf32>, memref<4x8xf32>
dsrt.mesh @mesh ["dp", "sp"] sizes [2, 4]
func.func @step() {
  %a = dsrt.arena_buffer offset = 0 : memref<2x8xf32>
  %b = dsrt.arena_buffer offset = 64 : memref<2x4xf32>
  %w = dsrt.persistent parameter "fc.weight" : memref<4x8xf32>
  %s = dsrt.persistent state "exp_avg.fc.weight" : memref<4x8xf32>
  %x = dsrt.persistent input "x" : memref<2x8xf32>
  %t = dsrt.persistent input "tokens" split ["dp", "sp"] data_shape [4, 30] valid_range [0, 256, -100] : memref<2x8xi64>
  %v = dsrt.persistent state "exp_avg_sq.fc.weight" in "nvme" : memref<4x8xf32>
  %h = dsrt.persistent state "momentum_buffer.fc.weight" in "cpu" : memref<4x8xf32>
  %p = dsrt.persistent parameter "fc.bias" in "nvme" : memref<8xf32>
  %c = dsrt.constant dense<1> : tensor<i64> : memref<i64>
  dsrt.kernel "matmul" (%x, %w) -> (%b) attrs {transpose_rhs} phase forward : (memref<2x8xf32>, memref<4x8xf32>) -> (memref<2x4xf32>)
  dsrt.kernel "neg" (%x) -> (%a) attrs {} : (memref<2x8xf32>) -> (memref<2x8xf32>)
  dsrt.kernel "all_reduce" on @mesh (%a) -> (%a) attrs {axes = ["sp"], reduction = "sum"} phase backward : (memref<2x8xf32>) -> (memref<2x8xf32>)
  dsrt.loss %c : memref<i64>
  dsrt.gradient %w, %s : memref<4x8xf32>, memref<4x8xf32>
  return
}
