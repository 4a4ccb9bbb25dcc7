// RUN: ds-opt %s -split-input-file -ds-fuse-all-to-all | FileCheck %s

// q (4 heads) and k, v (2 heads) feeding one attention move in one
// all-to-all: each viewed as [.., n, heads / n, ..], concatenated on the
// heads, moved, split apart.
// CHECK-LABEL: func.func @gqa_siblings
// CHECK-DAG: %[[Q:.*]] = ds.reshape %arg0 : (tensor<1x4x4x8xf32>) -> tensor<1x2x2x4x8xf32>
// CHECK-DAG: %[[K:.*]] = ds.reshape %arg1 : (tensor<1x2x4x8xf32>) -> tensor<1x2x1x4x8xf32>
// CHECK-DAG: %[[V:.*]] = ds.reshape %arg2 : (tensor<1x2x4x8xf32>) -> tensor<1x2x1x4x8xf32>
// CHECK: %[[P:.*]] = ds.concat %[[Q]], %[[K]], %[[V]] dim = 2
// CHECK-NEXT: %[[M:.*]] = ds.all_to_all %[[P]] on @mesh ["sp"] split_dim = 1 concat_dim = 3 : (tensor<1x2x4x4x8xf32>) -> tensor<1x1x4x8x8xf32>
// CHECK-NEXT: %{{.*}}:3 = ds.split %[[M]] dim = 2 sizes = [2, 1, 1]
// CHECK-NOT: ds.all_to_all
// CHECK: ds.attention
ds.mesh @mesh ["sp" = 2]
func.func @gqa_siblings(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32> {
  %q2 = ds.all_to_all %q on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x4x8xf32>) -> tensor<1x2x8x8xf32>
  %k2 = ds.all_to_all %k on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x2x4x8xf32>) -> tensor<1x1x8x8xf32>
  %v2 = ds.all_to_all %v on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x2x4x8xf32>) -> tensor<1x1x8x8xf32>
  %o = ds.attention %q2, %k2, %v2 causal scale = 0.5 : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x2x8x8xf32>
  return %o : tensor<1x2x8x8xf32>
}

// -----

// A result read between the siblings keeps them apart.
// CHECK-LABEL: func.func @read_early
// CHECK-COUNT-2: ds.all_to_all
ds.mesh @mesh ["sp" = 2]
func.func @read_early(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> tensor<2x8xf32> {
  %a2 = ds.all_to_all %a on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x4xf32>) -> tensor<2x8xf32>
  %e = ds.exp %a2 : tensor<2x8xf32>
  %b2 = ds.all_to_all %b on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x4xf32>) -> tensor<2x8xf32>
  %s = ds.add %e, %b2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}
