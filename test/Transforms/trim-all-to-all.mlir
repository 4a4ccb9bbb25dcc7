// RUN: ds-opt %s -split-input-file -ds-trim-all-to-all | FileCheck %s

// 3 real heads padded to 4 with a zero head, going to head-split over 2
// ranks in pieces of 2: receiver 0 gets 2 real heads, receiver 1 one,
// whoever sends. Through a select that masks with zeros too.
// CHECK-LABEL: func.func @padded_input
// CHECK: ds.all_to_all %{{.*}} split_dim = 1 concat_dim = 2 real_dim = 1 real_sizes = [2, 1, 2, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK: ds.all_to_all %{{.*}} split_dim = 1 concat_dim = 2 real_dim = 1 real_sizes = [2, 1, 2, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
ds.mesh @mesh ["sp" = 2]
func.func @padded_input(%q: tensor<1x3x2x8xf32>, %m: tensor<1x1x2x1xi1>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %p = ds.pad %q low = [0, 0, 0, 0] strides = [1, 1, 1, 1] : (tensor<1x3x2x8xf32>) -> tensor<1x4x2x8xf32>
  %h = ds.all_to_all %p on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %zero = ds.constant dense<0.0> : tensor<f32>
  %s = ds.select %m, %p, %zero : (tensor<1x1x2x1xi1>, tensor<1x4x2x8xf32>, tensor<f32>) -> tensor<1x4x2x8xf32>
  %hs = ds.all_to_all %s on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  return %h, %hs : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// Coming back to sequence-split, cut to the 3 real heads: sender 0 holds 2
// real heads, sender 1 one, whoever receives.
// CHECK-LABEL: func.func @cut_result
// CHECK: ds.all_to_all %arg0 {{.*}} split_dim = 2 concat_dim = 1 real_dim = 1 real_sizes = [2, 2, 1, 1] : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
ds.mesh @mesh ["sp" = 2]
func.func @cut_result(%o: tensor<1x2x4x8xf32>) -> (tensor<1x3x2x8xf32>, tensor<1x2x2x8xf32>) {
  %s = ds.all_to_all %o on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %real = ds.slice %s starts = [0, 0, 0, 0] limits = [1, 3, 2, 8] strides = [1, 1, 1, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x3x2x8xf32>
  %first = ds.slice %s starts = [0, 0, 0, 0] limits = [1, 2, 2, 8] strides = [1, 1, 1, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %real, %first : tensor<1x3x2x8xf32>, tensor<1x2x2x8xf32>
}

// -----

// Nothing to trim: padding that is not at the end, a fill that is not zero,
// a result nothing reads, a result also read whole (by the exp).
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: real_sizes
// CHECK: return
ds.mesh @mesh ["sp" = 2]
func.func @untouched(%q: tensor<1x3x2x8xf32>, %m: tensor<1x1x2x1xi1>, %o: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x2x8xf32>, tensor<1x3x2x8xf32>) {
  %low = ds.pad %q low = [0, 1, 0, 0] strides = [1, 1, 1, 1] : (tensor<1x3x2x8xf32>) -> tensor<1x4x2x8xf32>
  %a = ds.all_to_all %low on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %p = ds.pad %q low = [0, 0, 0, 0] strides = [1, 1, 1, 1] : (tensor<1x3x2x8xf32>) -> tensor<1x4x2x8xf32>
  %one = ds.constant dense<1.0> : tensor<f32>
  %s = ds.select %m, %p, %one : (tensor<1x1x2x1xi1>, tensor<1x4x2x8xf32>, tensor<f32>) -> tensor<1x4x2x8xf32>
  %b = ds.all_to_all %s on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %c = ds.all_to_all %o on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %d = ds.all_to_all %o on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x2x4x8xf32>) -> tensor<1x4x2x8xf32>
  %cut = ds.slice %d starts = [0, 0, 0, 0] limits = [1, 3, 2, 8] strides = [1, 1, 1, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x3x2x8xf32>
  %e = ds.exp %d : tensor<1x4x2x8xf32>
  return %a, %b, %e, %cut : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x2x8xf32>, tensor<1x3x2x8xf32>
}
