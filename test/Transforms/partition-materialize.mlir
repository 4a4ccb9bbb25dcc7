// RUN: ds-opt %s -split-input-file -ds-partition -verify-diagnostics | FileCheck %s

// -ds-partition alone, on decisions written by hand: each ds.reshard becomes
// the collectives that realise it, values take their local types.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:    %[[X:.*]]: tensor<2x4x8xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}, {}]>}, %[[W:.*]]: tensor<8x8xf32>)
// A sequence split moved onto the last dimension: one all-to-all.
// CHECK-NEXT:    %[[A:.*]] = ds.all_to_all %[[X]] on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<2x4x8xf32>) -> tensor<2x8x4xf32>
// The op takes its local type; its partial result is completed by one
// all-reduce; then gathered whole.
// CHECK-NEXT:    %[[N:.*]] = ds.neg %[[A]] : tensor<2x8x4xf32>
// CHECK-NEXT:    %[[S:.*]] = ds.all_reduce %[[N]] on @mesh ["dp"] reduction = sum : tensor<2x8x4xf32>
// CHECK-NEXT:    %[[G:.*]] = ds.all_gather %[[S]] on @mesh ["sp"] dim = 2 : (tensor<2x8x4xf32>) -> tensor<2x8x8xf32>
// A replicated value meeting a split takes its own piece, no communication.
// CHECK-NEXT:    %[[L:.*]] = ds.local_slice %[[W]] on @mesh ["sp"] dim = 0 : (tensor<8x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    return %[[G]], %[[L]] : tensor<2x8x8xf32>, tensor<4x8xf32>
ds.mesh @mesh ["dp" = 2, "sp" = 2]
func.func @train_step(%x: tensor<2x8x8xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}, {}]>},
                      %w: tensor<8x8xf32>) -> (tensor<2x8x8xf32>, tensor<8x8xf32>) {
  %a = ds.reshard %x to <@mesh, [{}, {}, {"sp"}]> : tensor<2x8x8xf32>
  %n = ds.neg %a {ds.shardings = [#ds.sharding<@mesh, [{}, {}, {"sp"}], partial = {"dp": sum}>]} : tensor<2x8x8xf32>
  %s = ds.reshard %n to <@mesh, [{}, {}, {"sp"}]> : tensor<2x8x8xf32>
  %g = ds.reshard %s to <@mesh, [{}, {}, {}]> : tensor<2x8x8xf32>
  %l = ds.reshard %w to <@mesh, [{"sp"}, {}]> : tensor<8x8xf32>
  return %g, %l : tensor<2x8x8xf32>, tensor<8x8xf32>
}

// -----

// Pieces: the head size of a merged [heads * head_size] dimension takes
// sp, on a view whose dimensions are the pieces.
// CHECK-LABEL: func.func @train_step(
// CHECK-NEXT: %[[V:.*]] = ds.reshape %{{.*}} : (tensor<2x2x32xf32>) -> tensor<2x2x4x8xf32>
// CHECK-NEXT: %[[A:.*]] = ds.all_to_all %[[V]] on @mesh ["sp"] split_dim = 3 concat_dim = 1 : (tensor<2x2x4x8xf32>) -> tensor<2x4x4x4xf32>
// The second reshard works on its own view (-canonicalize folds the
// reshapes in between).
// CHECK:      %[[G:.*]] = ds.all_gather %{{.*}} on @mesh ["sp"] dim = 3 : (tensor<2x4x4x4xf32>) -> tensor<2x4x4x8xf32>
// CHECK-NEXT: ds.reshape %[[G]] : (tensor<2x4x4x8xf32>) -> tensor<2x4x32xf32>
ds.mesh @mesh ["sp" = 2]
func.func @train_step(%x: tensor<2x4x32xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}, {}]>}) -> tensor<2x4x32xf32> {
  %a = ds.reshard %x to <@mesh, [{}, {}, {4, 8:"sp"}]> : tensor<2x4x32xf32>
  %g = ds.reshard %a to <@mesh, [{}, {}, {}]> : tensor<2x4x32xf32>
  return %g : tensor<2x4x32xf32>
}

// -----

// Decisions without a mesh are an error, not ignored.
// expected-error @+1 {{ds-partition: shardings without a ds.mesh}}
func.func @train_step(%x: tensor<8xf32>) -> tensor<8xf32> {
  %n = ds.neg %x {ds.shardings = [#ds.sharding<@mesh, [{"sp"}]>]} : tensor<8xf32>
  return %n : tensor<8xf32>
}

// -----

ds.mesh @mesh ["sp" = 2]
func.func @train_step(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'ds.reshard' op cannot make a value partial over sp}}
  %n = ds.reshard %x to <@mesh, [{}], partial = {"sp": sum}> : tensor<8xf32>
  return %n : tensor<8xf32>
}

// -----

// A split whose blocks straddle the target's pieces: [6] over dp = 3 gives
// rank r heads 2r and 2r + 1, while [2, 3:"dp"] (grouped-query heads split
// by their group) gives it heads r and 3 + r. No all-to-all moves one into
// the other: the dimension is gathered whole, then each rank takes its
// pieces of the [2, 3] view.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:    %[[X:.*]]: tensor<4x2x6xf32>
// CHECK-NEXT:    %[[G:.*]] = ds.all_gather %[[X]] on @mesh ["dp"] dim = 1 : (tensor<4x2x6xf32>) -> tensor<4x6x6xf32>
// CHECK-NEXT:    %[[V:.*]] = ds.reshape %[[G]] : (tensor<4x6x6xf32>) -> tensor<4x2x3x6xf32>
// CHECK-NEXT:    %[[L:.*]] = ds.local_slice %[[V]] on @mesh ["dp"] dim = 2 : (tensor<4x2x3x6xf32>) -> tensor<4x2x1x6xf32>
// CHECK-NEXT:    %[[R:.*]] = ds.reshape %[[L]] : (tensor<4x2x1x6xf32>) -> tensor<4x2x6xf32>
// CHECK-NEXT:    return %[[R]]
ds.mesh @mesh ["dp" = 3]
func.func @train_step(%x: tensor<4x6x6xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"dp"}, {}]>}) -> tensor<4x6x6xf32> {
  %a = ds.reshard %x to <@mesh, [{}, {2, 3:"dp"}, {}]> : tensor<4x6x6xf32>
  return %a : tensor<4x6x6xf32>
}
