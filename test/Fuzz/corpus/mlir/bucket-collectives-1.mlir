
// Different reductions, or a result read in between, end a bucket.
ds.mesh @mesh ["dp" = 2]
func.func @boundaries(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  %ra = ds.all_reduce %a on @mesh ["dp"] reduction = sum : tensor<4xf32>
  %rb = ds.all_reduce %b on @mesh ["dp"] reduction = max : tensor<4xf32>
  %e = ds.exp %rb : tensor<4xf32>
  %rc = ds.all_reduce %e on @mesh ["dp"] reduction = max : tensor<4xf32>
  %s = ds.add %ra, %rc : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

