
// Three gradients read only at the end: one all-reduce of their flat
// concatenation. With 64-byte buckets, the first two (48 bytes) go together
// and the third (64 bytes) alone.
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

