// RUN: ds-opt %s -split-input-file -ds-lower-to-runtime -verify-diagnostics | FileCheck %s

// A linear model trained with SGD: persistent buffers by role, the update
// written in place, a reshape as a view of its slot, slots reused once dead.
// CHECK-LABEL: func.func @step()
// The peak is at the weight gradient: dy, dw and the loss live, 64 + 128 + 64.
// CHECK-SAME: attributes {dsrt.arena_alignment = 64 : i64, dsrt.arena_bytes = 256 : i64}
// CHECK-DAG: %[[W:.*]] = dsrt.persistent parameter "w" : memref<4x8xf32>
// CHECK-DAG: %[[B:.*]] = dsrt.persistent state "momentum_buffer.w" : memref<4x8xf32>
// CHECK-DAG: %[[X:.*]] = dsrt.persistent input "x" : memref<2x8xf32>
// CHECK-DAG: %[[L:.*]] = dsrt.persistent input "labels" : memref<2xi64>
// CHECK: %[[Y:.*]] = dsrt.arena_buffer offset = [[YOFF:[0-9]+]] : memref<2x4xf32>
// CHECK-NEXT: dsrt.kernel "linear"(%[[X]], %[[W]]) -> (%[[Y]]) attrs {} phase forward
// CHECK: %[[LOSS:.*]] = dsrt.arena_buffer offset = {{[0-9]+}} : memref<f32>
// CHECK-NEXT: dsrt.kernel "cross_entropy"(%[[Y]], %[[L]]) -> (%[[LOSS]]) attrs {ignore_index = -100 : i64} phase forward
// CHECK: %[[ONE:.*]] = dsrt.constant dense<1.000000e+00> : tensor<f32> : memref<f32>
// CHECK: %[[DY:.*]] = dsrt.arena_buffer offset = {{[0-9]+}} : memref<2x4xf32>
// CHECK-NEXT: dsrt.kernel "cross_entropy_grad"(%[[Y]], %[[L]], %[[ONE]]) -> (%[[DY]]) attrs {{.*}} phase backward
// CHECK: %[[DW:.*]] = dsrt.arena_buffer offset = {{[0-9]+}} : memref<4x8xf32>
// CHECK-NEXT: dsrt.kernel "matmul"(%[[DY]], %[[X]]) -> (%[[DW]]) attrs {transpose_lhs} phase backward
// The reshape is a view: same offset, no kernel.
// CHECK-NEXT: %[[DWV:.*]] = dsrt.arena_buffer offset = {{[0-9]+}} : memref<32xf32>
// CHECK-NOT: "reshape"
// CHECK: dsrt.kernel "sgd_update"(%[[W]], %[[DW]], %[[B]]) -> (%[[W]], %[[B]]) attrs {{.*}} phase optimizer
// CHECK: dsrt.loss %[[LOSS]] : memref<f32>
// CHECK-NEXT: dsrt.gradient %[[W]], %[[DW]] : memref<4x8xf32>, memref<4x8xf32>
func.func @train_step(%w: tensor<4x8xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
                      %buf: tensor<4x8xf32> {ds.name = "momentum_buffer.w", ds.role = "state"},
                      %x: tensor<2x8xf32> {ds.name = "x", ds.role = "input"},
                      %labels: tensor<2xi64> {ds.name = "labels", ds.role = "input"})
    -> (tensor<f32> {ds.role = "loss"}, tensor<4x8xf32> {ds.updates = "w"},
        tensor<4x8xf32> {ds.updates = "momentum_buffer.w"}, tensor<32xf32>)
    {
  %y = ds.linear %x, %w : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  %loss = ds.cross_entropy %y, %labels ignore_index = -100 : (tensor<2x4xf32>, tensor<2xi64>) -> tensor<f32>
  %one = ds.constant dense<1.0> : tensor<f32>
  %dy = ds.cross_entropy_grad %y, %labels, %one ignore_index = -100 : (tensor<2x4xf32>, tensor<2xi64>, tensor<f32>) -> tensor<2x4xf32>
  %dw = ds.matmul %dy, %x transpose_lhs : (tensor<2x4xf32>, tensor<2x8xf32>) -> tensor<4x8xf32>
  %flat = ds.reshape %dw : (tensor<4x8xf32>) -> tensor<32xf32>
  %w1, %buf1 = ds.sgd_update %w, %dw, %buf lr = 1.000000e-01 momentum = 9.000000e-01 weight_decay = 0.000000e+00 : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>)
  return %loss, %w1, %buf1, %flat : tensor<f32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<32xf32>
}

// -----

// Values never live at the same instruction share bytes: %a is read while %c
// is written, so %c cannot take its slot, but %d can.
// CHECK-LABEL: func.func @step()
// CHECK-SAME: dsrt.arena_bytes = 192
// CHECK: %[[A:.*]] = dsrt.arena_buffer offset = [[AOFF:[0-9]+]] : memref<16xf32>
// CHECK: dsrt.arena_buffer offset = [[BOFF:[0-9]+]] : memref<16xf32>
// CHECK: dsrt.arena_buffer offset = [[COFF:[0-9]+]] : memref<16xf32>
// CHECK: dsrt.arena_buffer offset = [[AOFF]] : memref<16xf32>
func.func @train_step(%x: tensor<16xf32> {ds.name = "x", ds.role = "input"}) -> (tensor<f32> {ds.role = "loss"}) {
  %a = ds.exp %x : tensor<16xf32>
  %b = ds.exp %a : tensor<16xf32>
  %c = ds.add %a, %b : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %d = ds.exp %c : tensor<16xf32>
  %l = ds.sum %d dims = [0] : (tensor<16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// How an input is split over the mesh and the shape of the user's data
// before padding stay on its buffer for the plan, in dsrt's terms; the mesh
// becomes dsrt's, enumerations become their names: nothing of ds is left.
// CHECK-NOT: ds.
// CHECK: dsrt.mesh @mesh ["sp"] sizes [2]
// CHECK-LABEL: func.func @step()
// CHECK-NOT: ds.
// CHECK: dsrt.persistent input "tokens" split ["", "sp"] data_shape [2, 5] valid_range [0, 7] : memref<2x3xi64>
// CHECK: dsrt.kernel "all_reduce" on @mesh({{.*}}) attrs {axes = ["sp"], reduction = "sum"} phase forward
// CHECK-NOT: ds.
ds.mesh @mesh ["sp" = 2]
func.func @train_step(%t: tensor<2x3xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>, ds.data_shape = array<i64: 2, 5>, ds.valid_range = array<i64: 0, 7>}) -> (tensor<f32> {ds.role = "loss"}) {
  %f = ds.convert %t : (tensor<2x3xi64>) -> tensor<2x3xf32>
  %p = ds.sum %f dims = [0, 1] : (tensor<2x3xf32>) -> tensor<f32>
  %l = ds.all_reduce %p on @mesh ["sp"] reduction = sum : tensor<f32>
  return %l : tensor<f32>
}

// -----

// The runtime splits an input's dimensions whole.
ds.mesh @mesh ["sp" = 2]
// expected-error @+1 {{input 'tokens' has the sharding #ds.sharding<@mesh, [{2:"sp", 2}]>; the runtime splits an input's dimensions whole, each over at most one axis}}
func.func @train_step(%t: tensor<4xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{2:"sp", 2}]>}) -> (tensor<f32> {ds.role = "loss"}) {
  %f = ds.convert %t : (tensor<4xi64>) -> tensor<4xf32>
  %l = ds.sum %f dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{argument 0 needs ds.name and ds.role = "parameter", "state" or "input"}}
func.func @train_step(%x: tensor<4xf32>) -> (tensor<f32> {ds.role = "loss"}) {
  %l = ds.sum %x dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A new value whose old one is read after it is computed, and one that is
// a constant (a buffer the forward pass resets): computed in the arena and
// copied in at the end of the step, after every reader of the old value.
// CHECK-LABEL: func.func @step()
// CHECK-DAG:     %[[W:.*]] = dsrt.persistent parameter "w"
// CHECK-DAG:     %[[R:.*]] = dsrt.persistent parameter "r"
// CHECK:         dsrt.kernel "neg"(%[[W]]) -> (%[[NEW:[^)]*]])
// CHECK:         dsrt.kernel "sum"(%[[W]])
// CHECK:         %[[ZERO:.*]] = dsrt.constant dense<0.000000e+00>
// CHECK:         dsrt.kernel "convert"(%[[NEW]]) -> (%[[W]]) attrs {} phase optimizer
// CHECK-NEXT:    dsrt.kernel "convert"(%[[ZERO]]) -> (%[[R]]) attrs {} phase optimizer
func.func @train_step(%w: tensor<4xf32> {ds.name = "w", ds.role = "parameter"}, %r: tensor<4xf32> {ds.name = "r", ds.role = "parameter"}) -> (tensor<f32> {ds.role = "loss"}, tensor<4xf32> {ds.updates = "w"}, tensor<4xf32> {ds.updates = "r"}) {
  %w1 = ds.neg %w : tensor<4xf32>
  %l = ds.sum %w dims = [0] : (tensor<4xf32>) -> tensor<f32>
  %zero = ds.constant dense<0.0> : tensor<4xf32>
  return %l, %w1, %zero : tensor<f32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// expected-error @+1 {{ds-lower-to-runtime needs func.func @train_step (run -ds-autodiff first)}}
module {
  func.func @forward() {
    return
  }
}

// -----

// Sizes a plan cannot address are refused at the value, not found
// overflowing later.
// expected-error @+1 {{a value of type 'tensor<68719476736x1073741824xf32>' holds more than 2^62 bytes (4 EiB); no plan can hold it}}
func.func @train_step(%w: tensor<68719476736x1073741824xf32> {ds.name = "w", ds.role = "parameter"}) -> (tensor<f32> {ds.role = "loss"}) {
  %l = ds.sum %w dims = [0, 1] : (tensor<68719476736x1073741824xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @train_step(%a: tensor<2305843009213693952xi8> {ds.name = "a", ds.role = "parameter"}, %b: tensor<2305843009213693952xi8> {ds.name = "b", ds.role = "parameter"}) -> (tensor<f32> {ds.role = "loss"}) {
  // expected-error @+1 {{with a value of type 'tensor<2305843009213693952xi8>', the step holds more than 2^62 bytes (4 EiB); no plan can hold it}}
  %c = ds.add %a, %b : (tensor<2305843009213693952xi8>, tensor<2305843009213693952xi8>) -> tensor<2305843009213693952xi8>
  %f = ds.convert %c : (tensor<2305843009213693952xi8>) -> tensor<2305843009213693952xf32>
  %l = ds.sum %f dims = [0] : (tensor<2305843009213693952xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
