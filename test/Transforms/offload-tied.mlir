// RUN: ds-opt %s -ds-autodiff=optimizer=sgd -ds-offload=params=cpu -ds-schedule | FileCheck %s

// A tied embedding is read at both ends of the forward: one reload for the
// lookup and another for the output projection, so that it is not in
// memory across the layer between (whose parameter is read there). A
// parameter read by two ops with no other parameter read between them (g,
// a norm's scale applied twice) is reloaded once for both.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[WTE:[a-z0-9]+]]: tensor<16x8xf32> {ds.memory_space = "cpu"
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<8x8xf32> {ds.memory_space = "cpu"
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<8xf32> {ds.memory_space = "cpu"
// CHECK: %[[E:.*]] = ds.reload %[[WTE]] from "cpu"
// CHECK-NEXT: %[[EW:.*]] = ds.wait %[[E]]
// CHECK-NEXT: ds.embedding %[[EW]]
// CHECK: ds.reload %[[W]] from "cpu"
// CHECK: ds.linear
// CHECK: %[[GR:.*]] = ds.reload %[[G]] from "cpu"
// CHECK-NEXT: %[[GW:.*]] = ds.wait %[[GR]]
// CHECK-NEXT: ds.mul %{{.*}}, %[[GW]]
// CHECK-NEXT: ds.mul %{{.*}}, %[[GW]]
// CHECK: %[[O:.*]] = ds.reload %[[WTE]] from "cpu"
// CHECK-NEXT: %[[OW:.*]] = ds.wait %[[O]]
// CHECK-NEXT: ds.linear %{{.*}}, %[[OW]]
// CHECK: ds.cross_entropy
// The backward reads the tied weight for the projection's input gradient,
// the update reads it once more.
// CHECK: ds.reload %[[WTE]] from "cpu"
// CHECK-NEXT: %[[BW:.*]] = ds.wait
// CHECK-NEXT: ds.matmul %{{.*}}, %[[BW]]
// CHECK: ds.embedding_grad
// CHECK: ds.reload %[[WTE]] from "cpu"
// CHECK-NEXT: %[[UW:.*]] = ds.wait
// CHECK-NEXT: ds.sgd_update %[[UW]]
func.func @forward(%wte: tensor<16x8xf32> {ds.name = "wte", ds.trainable},
                   %w: tensor<8x8xf32> {ds.name = "w", ds.trainable},
                   %g: tensor<8xf32> {ds.name = "g", ds.trainable},
                   %tokens: tensor<4xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<4xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %e = ds.embedding %wte, %tokens : (tensor<16x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>
  %h = ds.linear %e, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %a = ds.tanh %h : tensor<4x8xf32>
  %s1 = ds.mul %a, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %s2 = ds.mul %s1, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %logits = ds.linear %s2, %wte : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %l = ds.cross_entropy %logits, %labels ignore_index = -100 : (tensor<4x16xf32>, tensor<4xi64>) -> tensor<f32>
  return %l : tensor<f32>
}
