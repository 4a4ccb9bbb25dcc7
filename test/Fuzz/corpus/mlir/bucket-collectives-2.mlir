
// ZeRO's flat pieces: reduce-scatters whose pieces come first are packed
// as [n, m] along m (each rank still gets its own piece of each), and
// all-gathers as [1, m]; an all-reduce in between ends neither bucket, and
// a reduce-scatter along a later dimension (pieces not contiguous) joins
// none.
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
