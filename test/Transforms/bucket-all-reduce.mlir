// RUN: ds-opt %s -split-input-file -ds-bucket-all-reduce | FileCheck %s
// RUN: ds-opt %s -split-input-file -ds-bucket-all-reduce=bucket-bytes=64 | FileCheck %s --check-prefix=SMALL

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
