// RUN: ds-opt %s -split-input-file -ds-autodiff=optimizer=sgd -ds-shard='dp=2 batch-dims=x:0,labels:0 zero=2' | FileCheck %s

// Autocast's bfloat16 linear of float32 parameters at ZeRO-2: the weight's
// gradient accumulates in float32 (ds.matmul's float32 result), is
// reduce-scattered in float32, and each rank rounds its piece to bfloat16
// and widens it again, as the single-device product rounds once and the
// cast's gradient widens it. Nothing is all-reduced whole.
// CHECK-LABEL: func.func @train_step
// CHECK-NOT: ds.all_reduce {{.*}} tensor<5x3x
// CHECK: %[[DW:.*]] = ds.matmul {{.*}} transpose_lhs : (tensor<2x5xbf16>, tensor<2x3xbf16>) -> tensor<5x3xf32>
// CHECK-NEXT: %[[FLAT:.*]] = ds.reshape %[[DW]] : (tensor<5x3xf32>) -> tensor<15xf32>
// CHECK-NEXT: %[[PAD:.*]] = ds.pad %[[FLAT]] {{.*}} -> tensor<16xf32>
// CHECK-NEXT: %[[PIECE:.*]] = ds.reduce_scatter %[[PAD]] on @mesh ["dp"] dim = 0 reduction =  sum : (tensor<16xf32>) -> tensor<8xf32>
// CHECK-NEXT: %[[ROUND:.*]] = ds.convert %[[PIECE]] : (tensor<8xf32>) -> tensor<8xbf16>
// CHECK-NEXT: %[[WIDE:.*]] = ds.convert %[[ROUND]] : (tensor<8xbf16>) -> tensor<8xf32>
// CHECK: ds.sgd_update %{{.*}}, %[[WIDE]]
// CHECK-NOT: ds.all_reduce {{.*}} tensor<5x3x
func.func @forward(%w: tensor<5x3xf32> {ds.name = "w", ds.trainable},
                   %x: tensor<4x3xf32> {ds.input, ds.name = "x"},
                   %labels: tensor<4xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x16 = ds.convert %x : (tensor<4x3xf32>) -> tensor<4x3xbf16>
  %w16 = ds.convert %w : (tensor<5x3xf32>) -> tensor<5x3xbf16>
  %h = ds.linear %x16, %w16 : (tensor<4x3xbf16>, tensor<5x3xbf16>) -> tensor<4x5xbf16>
  %h32 = ds.convert %h : (tensor<4x5xbf16>) -> tensor<4x5xf32>
  %loss = ds.cross_entropy %h32, %labels ignore_index = -100 : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A weight that the model reads twice (a layer applied twice): each use's
// gradient is rounded to bfloat16 on its own and the two are summed in
// bfloat16 (autocast's weight cache: one cast, whose gradient PyTorch
// accumulates in bfloat16), so their sum is not one partial sum to
// reduce-scatter: each is completed in float32 and rounded, their sum
// widened and sliced to this rank's piece.
// CHECK-LABEL: func.func @train_step
// CHECK: ds.matmul {{.*}} -> tensor<5x5xf32>
// CHECK-NEXT: ds.all_reduce {{.*}} tensor<5x5xf32>
// CHECK-NEXT: ds.convert {{.*}} (tensor<5x5xf32>) -> tensor<5x5xbf16>
// CHECK: ds.matmul {{.*}} -> tensor<5x5xf32>
// CHECK-NEXT: ds.all_reduce {{.*}} tensor<5x5xf32>
// CHECK-NEXT: ds.convert {{.*}} (tensor<5x5xf32>) -> tensor<5x5xbf16>
// CHECK-NOT: ds.reduce_scatter
// CHECK: ds.local_slice
// CHECK: ds.sgd_update
func.func @forward(%w: tensor<5x5xf32> {ds.name = "w", ds.trainable},
                   %x: tensor<4x5xf32> {ds.input, ds.name = "x"},
                   %labels: tensor<4xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %x16 = ds.convert %x : (tensor<4x5xf32>) -> tensor<4x5xbf16>
  %w16 = ds.convert %w : (tensor<5x5xf32>) -> tensor<5x5xbf16>
  %h1 = ds.linear %x16, %w16 : (tensor<4x5xbf16>, tensor<5x5xbf16>) -> tensor<4x5xbf16>
  %h2 = ds.linear %h1, %w16 : (tensor<4x5xbf16>, tensor<5x5xbf16>) -> tensor<4x5xbf16>
  %h32 = ds.convert %h2 : (tensor<4x5xbf16>) -> tensor<4x5xf32>
  %loss = ds.cross_entropy %h32, %labels ignore_index = -100 : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// bfloat16 parameters (model.to(torch.bfloat16)): the float32 piece is
// rounded once for the bfloat16 update.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[PIECE:.*]] = ds.reduce_scatter {{.*}} : (tensor<16xf32>) -> tensor<8xf32>
// CHECK-NEXT: %[[ROUND:.*]] = ds.convert %[[PIECE]] : (tensor<8xf32>) -> tensor<8xbf16>
// CHECK: ds.sgd_update %{{.*}}, %[[ROUND]]
func.func @forward(%w: tensor<5x3xbf16> {ds.name = "w", ds.trainable},
                   %x: tensor<4x3xbf16> {ds.input, ds.name = "x"},
                   %labels: tensor<4xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %h = ds.linear %x, %w : (tensor<4x3xbf16>, tensor<5x3xbf16>) -> tensor<4x5xbf16>
  %h32 = ds.convert %h : (tensor<4x5xbf16>) -> tensor<4x5xf32>
  %loss = ds.cross_entropy %h32, %labels ignore_index = -100 : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
