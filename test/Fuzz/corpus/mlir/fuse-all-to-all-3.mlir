
// Packing along the concat dimension when it follows the split dimension:
// the concat dimension shifts by one in the views, and the blocks are
// viewed in the results' layout.
ds.mesh @mesh ["sp" = 2]
func.func @concat_after_split(%x: tensor<4x8xf32>) -> (tensor<2x4xf32>, tensor<2x12xf32>) {
  %a, %b = ds.split %x dim = 1 sizes = [2, 6] : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x6xf32>)
  %a2 = ds.all_to_all %a on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x2xf32>) -> tensor<2x4xf32>
  %b2 = ds.all_to_all %b on @mesh ["sp"] split_dim = 0 concat_dim = 1 : (tensor<4x6xf32>) -> tensor<2x12xf32>
  return %a2, %b2 : tensor<2x4xf32>, tensor<2x12xf32>
}

