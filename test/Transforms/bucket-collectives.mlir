// RUN: ds-opt %s -split-input-file -ds-bucket-collectives | FileCheck %s
// RUN: ds-opt %s -split-input-file -ds-bucket-collectives=bucket-bytes=64 | FileCheck %s --check-prefix=SMALL
// RUN: ds-opt %s -split-input-file -ds-bucket-collectives=reduce-scatters=false | FileCheck %s --check-prefix=ONE-BY-ONE

// Three gradients read only at the end: one all-reduce of their flat
// concatenation. With 64-byte buckets, the first two (48 bytes) go together
// and the third (64 bytes) alone.
// CHECK-LABEL: func.func @gradients
// CHECK: %[[A:.*]] = ds.reshape %arg0 : (tensor<2x2xf32>) -> tensor<4xf32>
// CHECK: %[[B:.*]] = ds.reshape %arg1 : (tensor<8xf32>) -> tensor<8xf32>
// CHECK: %[[C:.*]] = ds.reshape %arg2 : (tensor<4x4xf32>) -> tensor<16xf32>
// CHECK: %[[P:.*]] = ds.concat %[[A]], %[[B]], %[[C]] dim = 0
// CHECK-NEXT: %[[R:.*]] = ds.all_reduce %[[P]] on @mesh ["dp"] reduction = sum : tensor<28xf32>
// CHECK-NEXT: ds.split %[[R]] dim = 0 sizes = [4, 8, 16]
// CHECK-NOT: ds.all_reduce
// SMALL-LABEL: func.func @gradients
// SMALL: ds.all_reduce %{{.*}} : tensor<12xf32>
// SMALL: ds.all_reduce %{{.*}} : tensor<4x4xf32>
ds.mesh @mesh ["dp" = 2]
func.func @gradients(%a: tensor<2x2xf32>, %b: tensor<8xf32>, %c: tensor<4x4xf32>) -> (tensor<2x2xf32>, tensor<8xf32>, tensor<4x4xf32>) {
  %ra = ds.all_reduce %a on @mesh ["dp"] reduction = sum : tensor<2x2xf32>
  %rb = ds.all_reduce %b on @mesh ["dp"] reduction = sum : tensor<8xf32>
  %rc = ds.all_reduce %c on @mesh ["dp"] reduction = sum : tensor<4x4xf32>
  return %ra, %rb, %rc : tensor<2x2xf32>, tensor<8xf32>, tensor<4x4xf32>
}

// -----

// Different reductions, or a result read in between, end a bucket.
// CHECK-LABEL: func.func @boundaries
// CHECK-COUNT-3: ds.all_reduce
ds.mesh @mesh ["dp" = 2]
func.func @boundaries(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  %ra = ds.all_reduce %a on @mesh ["dp"] reduction = sum : tensor<4xf32>
  %rb = ds.all_reduce %b on @mesh ["dp"] reduction = max : tensor<4xf32>
  %e = ds.exp %rb : tensor<4xf32>
  %rc = ds.all_reduce %e on @mesh ["dp"] reduction = max : tensor<4xf32>
  %s = ds.add %ra, %rc : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

// ZeRO's flat pieces: reduce-scatters whose pieces come first are packed
// as [n, m] along m (each rank still gets its own piece of each), and
// all-gathers as [1, m]; an all-reduce in between ends neither bucket, and
// a reduce-scatter along a later dimension (pieces not contiguous) joins
// none.
// CHECK-LABEL: func.func @pieces
// CHECK: %[[A:.*]] = ds.reshape %arg0 : (tensor<8xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %[[B:.*]] = ds.reshape %arg1 : (tensor<1x6xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: %[[P:.*]] = ds.concat %[[A]], %[[B]] dim = 1
// CHECK-NEXT: %[[R:.*]] = ds.reduce_scatter %[[P]] on @mesh ["dp"] dim = 0 reduction =  sum : (tensor<2x7xf32>) -> tensor<1x7xf32>
// CHECK-NEXT: %[[S:.*]]:2 = ds.split %[[R]] dim = 1 sizes = [4, 3]
// CHECK-NEXT: ds.reshape %[[S]]#0 : (tensor<1x4xf32>) -> tensor<4xf32>
// CHECK-NEXT: ds.reshape %[[S]]#1 : (tensor<1x3xf32>) -> tensor<1x3xf32>
// CHECK: ds.reduce_scatter %arg3 on @mesh ["dp"] dim = 1
// CHECK: %[[GA:.*]] = ds.reshape %{{.*}} : (tensor<4xf32>) -> tensor<1x4xf32>
// CHECK-NEXT: %[[GB:.*]] = ds.reshape %{{.*}} : (tensor<1x3xf32>) -> tensor<1x3xf32>
// CHECK-NEXT: %[[GP:.*]] = ds.concat %[[GA]], %[[GB]] dim = 1
// CHECK-NEXT: %[[G:.*]] = ds.all_gather %[[GP]] on @mesh ["dp"] dim = 0 : (tensor<1x7xf32>) -> tensor<2x7xf32>
// CHECK-NEXT: %[[GS:.*]]:2 = ds.split %[[G]] dim = 1 sizes = [4, 3]
// CHECK-NEXT: ds.reshape %[[GS]]#0 : (tensor<2x4xf32>) -> tensor<8xf32>
// CHECK-NEXT: ds.reshape %[[GS]]#1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NOT: ds.all_gather
// With reduce-scatters=false each gradient is reduced on its own buffer
// where it was; the gathers are still packed.
// ONE-BY-ONE-LABEL: func.func @pieces
// ONE-BY-ONE: ds.reduce_scatter %arg0 on @mesh ["dp"] dim = 0 reduction =  sum : (tensor<8xf32>) -> tensor<4xf32>
// ONE-BY-ONE-NEXT: ds.all_reduce %arg2
// ONE-BY-ONE-NEXT: ds.reduce_scatter %arg1 on @mesh ["dp"] dim = 1 reduction =  sum : (tensor<1x6xf32>) -> tensor<1x3xf32>
// ONE-BY-ONE: ds.concat
// ONE-BY-ONE-NEXT: ds.all_gather {{.*}} : (tensor<1x7xf32>) -> tensor<2x7xf32>
ds.mesh @mesh ["dp" = 2]
func.func @pieces(%a: tensor<8xf32>, %b: tensor<1x6xf32>, %c: tensor<4xf32>, %d: tensor<3x4xf32>) -> (tensor<8xf32>, tensor<2x3xf32>, tensor<4xf32>, tensor<3x2xf32>) {
  %ra = ds.reduce_scatter %a on @mesh ["dp"] dim = 0 reduction = sum : (tensor<8xf32>) -> tensor<4xf32>
  %rc = ds.all_reduce %c on @mesh ["dp"] reduction = sum : tensor<4xf32>
  %rb = ds.reduce_scatter %b on @mesh ["dp"] dim = 1 reduction = sum : (tensor<1x6xf32>) -> tensor<1x3xf32>
  %rd = ds.reduce_scatter %d on @mesh ["dp"] dim = 1 reduction = sum : (tensor<3x4xf32>) -> tensor<3x2xf32>
  %ga = ds.all_gather %ra on @mesh ["dp"] dim = 0 : (tensor<4xf32>) -> tensor<8xf32>
  %gb = ds.all_gather %rb on @mesh ["dp"] dim = 0 : (tensor<1x3xf32>) -> tensor<2x3xf32>
  return %ga, %gb, %rc, %rd : tensor<8xf32>, tensor<2x3xf32>, tensor<4xf32>, tensor<3x2xf32>
}
