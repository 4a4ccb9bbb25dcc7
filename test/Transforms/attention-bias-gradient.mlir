// RUN: ds-opt %s -split-input-file -ds-recognize-attention -ds-autodiff=optimizer=sgd -canonicalize | FileCheck %s

// A relative position bias from a trainable table (T5, MPNet): the
// attention is formed with it, and its gradient is ds.attention_grad's
// fourth result, which the table's update reads. The forward says so
// (bias_grad: the CPU kernel then rounds as PyTorch's math SDPA).
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[TABLE:[a-z0-9]+]]: tensor<1x2x4x4xf32> {ds.name = "table", ds.role = "parameter", ds.trainable}
// CHECK:         ds.attention %{{.*}}, %{{.*}}, %{{.*}} bias %[[TABLE]] causal scale = 5.000000e-01 bias_grad :
// CHECK:         %{{.*}}, %[[GB:[^ ,]+]] = ds.attention_grad {{.*}} bias %[[TABLE]] causal scale = 5.000000e-01 : ({{.*}}) -> ({{.*}}, tensor<1x2x4x4xf32>)
// CHECK:         ds.sgd_update %[[TABLE]], %[[GB]],
func.func @forward(%w: tensor<8x8xf32> {ds.name = "w", ds.trainable},
                   %table: tensor<1x2x4x4xf32> {ds.name = "table", ds.trainable},
                   %x: tensor<1x2x4x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %q = ds.matmul %x, %w : (tensor<1x2x4x8xf32>, tensor<8x8xf32>) -> tensor<1x2x4x8xf32>
  %s = ds.matmul %q, %x transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<0.5> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %r = ds.add %d, %table : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %mask = ds.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %r, %mask : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %q : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %l = ds.sum %o dims = [0, 1, 2, 3] : (tensor<1x2x4x8xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A bias no trainable parameter reaches (a mask from the inputs): the
// gradient has no fourth result once nothing reads it, nor the forward
// bias_grad.
// CHECK-LABEL: func.func @train_step(
// CHECK:         ds.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{[^ ]+}} scale = {{[^ ]+}} :
// CHECK:         %grad_query, %grad_key, %grad_value = ds.attention_grad
// CHECK-SAME:        -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>)
// CHECK-NOT:     ds.attention_grad
func.func @forward(%w: tensor<8x8xf32> {ds.name = "w", ds.trainable},
                   %bias: tensor<1x2x4x4xf32> {ds.input, ds.name = "bias"},
                   %x: tensor<1x2x4x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %q = ds.matmul %x, %w : (tensor<1x2x4x8xf32>, tensor<8x8xf32>) -> tensor<1x2x4x8xf32>
  %s = ds.matmul %q, %x transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %r = ds.add %s, %bias : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %r dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %q : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %l = ds.sum %o dims = [0, 1, 2, 3] : (tensor<1x2x4x8xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
