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

// -----

// The transposed move: the gradients of grouped-query attention go back from
// head-split to sequence-split, differing in head count along the dimension
// the all-to-all concatenates. Each is viewed as [.., n, seq / n, ..],
// concatenated on the heads and moved at once; what rank j sent is block j
// of the received heads, [n, 2 + 1 + 1], whose pieces flatten back to
// n * 2 and n * 1 heads.
// CHECK-LABEL: func.func @gqa_gradients
// CHECK: %[[DQ:[^ ,]+]], %[[DK:[^ ,]+]], %[[DV:[^ ,]+]] = ds.attention_grad
// CHECK-DAG: %[[Q:.*]] = ds.reshape %[[DQ]] : (tensor<1x2x8x8xf32>) -> tensor<1x2x2x4x8xf32>
// CHECK-DAG: %[[K:.*]] = ds.reshape %[[DK]] : (tensor<1x1x8x8xf32>) -> tensor<1x1x2x4x8xf32>
// CHECK-DAG: %[[V:.*]] = ds.reshape %[[DV]] : (tensor<1x1x8x8xf32>) -> tensor<1x1x2x4x8xf32>
// CHECK: %[[P:.*]] = ds.concat %[[Q]], %[[K]], %[[V]] dim = 1
// CHECK-SAME: -> tensor<1x4x2x4x8xf32>
// CHECK-NEXT: %[[M:.*]] = ds.all_to_all %[[P]] on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x4x2x4x8xf32>) -> tensor<1x8x1x4x8xf32>
// CHECK-NEXT: %[[B:.*]] = ds.reshape %[[M]] : (tensor<1x8x1x4x8xf32>) -> tensor<1x2x4x4x8xf32>
// CHECK-NEXT: %[[S:.*]]:3 = ds.split %[[B]] dim = 2 sizes = [2, 1, 1]
// CHECK-NEXT: %[[RQ:.*]] = ds.reshape %[[S]]#0 : (tensor<1x2x2x4x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK-NEXT: %[[RK:.*]] = ds.reshape %[[S]]#1 : (tensor<1x2x1x4x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK-NEXT: %[[RV:.*]] = ds.reshape %[[S]]#2 : (tensor<1x2x1x4x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK-NOT: ds.all_to_all
// CHECK: return %[[RQ]], %[[RK]], %[[RV]]
ds.mesh @mesh ["sp" = 2]
func.func @gqa_gradients(%q: tensor<1x2x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>, %o: tensor<1x2x8x8xf32>, %do: tensor<1x2x8x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %dq, %dk, %dv = ds.attention_grad %q, %k, %v, %o, %do causal scale = 0.5 : (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>)
  %dq2 = ds.all_to_all %dq on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x2x8x8xf32>) -> tensor<1x4x4x8xf32>
  %dk2 = ds.all_to_all %dk on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x1x8x8xf32>) -> tensor<1x2x4x8xf32>
  %dv2 = ds.all_to_all %dv on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x1x8x8xf32>) -> tensor<1x2x4x8xf32>
  return %dq2, %dk2, %dv2 : tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// Packing along the concat dimension when it follows the split dimension:
// the concat dimension shifts by one in the views, and the blocks are
// viewed in the results' layout.
// CHECK-LABEL: func.func @concat_after_split
// CHECK-DAG: %[[A:.*]] = ds.reshape %{{.*}} : (tensor<4x2xf32>) -> tensor<2x2x2xf32>
// CHECK-DAG: %[[B:.*]] = ds.reshape %{{.*}} : (tensor<4x6xf32>) -> tensor<2x2x6xf32>
// CHECK: %[[P:.*]] = ds.concat %[[A]], %[[B]] dim = 2
// CHECK-NEXT: %[[M:.*]] = ds.all_to_all %[[P]] on @mesh ["sp"] split_dim = 0 concat_dim = 2 : (tensor<2x2x8xf32>) -> tensor<1x2x16xf32>
// CHECK-NEXT: %[[K:.*]] = ds.reshape %[[M]] : (tensor<1x2x16xf32>) -> tensor<2x2x8xf32>
// CHECK-NEXT: %[[S:.*]]:2 = ds.split %[[K]] dim = 2 sizes = [2, 6]
// CHECK-NEXT: ds.reshape %[[S]]#0 : (tensor<2x2x2xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: ds.reshape %[[S]]#1 : (tensor<2x2x6xf32>) -> tensor<2x12xf32>
// CHECK-NOT: ds.all_to_all
ds.mesh @mesh ["sp" = 2]
func.func @concat_after_split(%x: tensor<4x8xf32>) -> (tensor<2x4xf32>, tensor<2x12xf32>) {
  %a, %b = ds.split %x dim = 1 sizes = [2, 6] : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x6xf32>)
  %a2 = ds.all_to_all %a on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x2xf32>) -> tensor<2x4xf32>
  %b2 = ds.all_to_all %b on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x6xf32>) -> tensor<2x12xf32>
  return %a2, %b2 : tensor<2x4xf32>, tensor<2x12xf32>
}

// -----

// Tensors that differ in both dimensions cannot share one packing: the
// first takes whichever joins more of its siblings, here the two that
// differ from it only in the split dimension; the odd one moves alone.
// CHECK-LABEL: func.func @split_packing_wins
// CHECK: ds.all_to_all %arg1 on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x4xf32>) -> tensor<1x8xf32>
// CHECK: ds.concat {{.*}} dim = 1
// CHECK-NEXT: ds.all_to_all {{.*}} split_dim = 0 concat_dim = 2 : (tensor<2x6x2xf32>) -> tensor<1x6x4xf32>
// CHECK-NEXT: ds.split {{.*}} dim = 1 sizes = [1, 2, 3]
// CHECK-NOT: ds.all_to_all
ds.mesh @mesh ["sp" = 2]
func.func @split_packing_wins(%a: tensor<2x2xf32>, %d: tensor<2x4xf32>, %b: tensor<4x2xf32>, %c: tensor<6x2xf32>) -> (tensor<1x4xf32>, tensor<1x8xf32>, tensor<2x4xf32>, tensor<3x4xf32>) {
  %a2 = ds.all_to_all %a on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x2xf32>) -> tensor<1x4xf32>
  %d2 = ds.all_to_all %d on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x4xf32>) -> tensor<1x8xf32>
  %b2 = ds.all_to_all %b on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x2xf32>) -> tensor<2x4xf32>
  %c2 = ds.all_to_all %c on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<6x2xf32>) -> tensor<3x4xf32>
  return %a2, %d2, %b2, %c2 : tensor<1x4xf32>, tensor<1x8xf32>, tensor<2x4xf32>, tensor<3x4xf32>
}

// -----

// The same with the roles exchanged: three differ only in the concat
// dimension and pack along it.
// CHECK-LABEL: func.func @concat_packing_wins
// CHECK: ds.all_to_all %arg1 on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x2xf32>) -> tensor<2x4xf32>
// CHECK: ds.concat {{.*}} dim = 2
// CHECK-NEXT: ds.all_to_all {{.*}} split_dim = 0 concat_dim = 2 : (tensor<2x1x12xf32>) -> tensor<1x1x24xf32>
// CHECK-NEXT: ds.reshape {{.*}} : (tensor<1x1x24xf32>) -> tensor<1x2x12xf32>
// CHECK-NEXT: ds.split {{.*}} dim = 2 sizes = [2, 4, 6]
// CHECK-NOT: ds.all_to_all
ds.mesh @mesh ["sp" = 2]
func.func @concat_packing_wins(%a: tensor<2x2xf32>, %d: tensor<4x2xf32>, %b: tensor<2x4xf32>, %c: tensor<2x6xf32>) -> (tensor<1x4xf32>, tensor<2x4xf32>, tensor<1x8xf32>, tensor<1x12xf32>) {
  %a2 = ds.all_to_all %a on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x2xf32>) -> tensor<1x4xf32>
  %d2 = ds.all_to_all %d on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x2xf32>) -> tensor<2x4xf32>
  %b2 = ds.all_to_all %b on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x4xf32>) -> tensor<1x8xf32>
  %c2 = ds.all_to_all %c on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<2x6xf32>) -> tensor<1x12xf32>
  return %a2, %d2, %b2, %c2 : tensor<1x4xf32>, tensor<2x4xf32>, tensor<1x8xf32>, tensor<1x12xf32>
}

// -----

// Trimmed siblings (3 real heads of 4, -ds-trim-all-to-all) of one type
// move together: packed along heads / n as before, then viewed as [3, 2] so
// that each keeps its real prefix along the 2: real_dim follows it (3).
// CHECK-LABEL: func.func @trimmed_siblings
// CHECK: %[[P:.*]] = ds.concat {{.*}} dim = 2 : (tensor<1x2x2x2x8xf32>, tensor<1x2x2x2x8xf32>, tensor<1x2x2x2x8xf32>) -> tensor<1x2x6x2x8xf32>
// CHECK-NEXT: %[[S:.*]] = ds.reshape %[[P]] : (tensor<1x2x6x2x8xf32>) -> tensor<1x2x3x2x2x8xf32>
// CHECK-NEXT: %[[M:.*]] = ds.all_to_all %[[S]] on @mesh ["sp"] split_dim = 1 concat_dim = 4 real_dim = 3 real_sizes = [2, 1, 2, 1] : (tensor<1x2x3x2x2x8xf32>) -> tensor<1x1x3x2x4x8xf32>
// CHECK-NEXT: %[[B:.*]] = ds.reshape %[[M]] : (tensor<1x1x3x2x4x8xf32>) -> tensor<1x1x6x4x8xf32>
// CHECK-NEXT: ds.split %[[B]] dim = 2 sizes = [2, 2, 2]
// CHECK-NOT: ds.all_to_all
// A sibling trimmed otherwise, or not at all, moves on its own.
// CHECK: ds.all_to_all %arg0 {{.*}} real_sizes = [2, 2, 1, 1]
// CHECK: ds.all_to_all %arg1 on @mesh ["sp"] split_dim = 1 concat_dim = 2 :
// CHECK: ds.attention
ds.mesh @mesh ["sp" = 2]
func.func @trimmed_siblings(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x2x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %q2 = ds.all_to_all %q on @mesh ["sp"] split_dim = 1 concat_dim = 2 real_dim = 1 real_sizes = [2, 1, 2, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %k2 = ds.all_to_all %k on @mesh ["sp"] split_dim = 1 concat_dim = 2 real_dim = 1 real_sizes = [2, 1, 2, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %v2 = ds.all_to_all %v on @mesh ["sp"] split_dim = 1 concat_dim = 2 real_dim = 1 real_sizes = [2, 1, 2, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %q3 = ds.all_to_all %q on @mesh ["sp"] split_dim = 1 concat_dim = 2 real_dim = 1 real_sizes = [2, 2, 1, 1] : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %k3 = ds.all_to_all %k on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %o = ds.attention %q2, %k2, %v2 causal scale = 0.5 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o2 = ds.attention %q3, %k3, %v2 causal scale = 0.5 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o, %o2, %o2 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}
