
// 3 real heads padded to 4 with a zero head, going to head-split over 2
// ranks in pieces of 2: receiver 0 gets 2 real heads, receiver 1 one,
// whoever sends. Through a select that masks with zeros too.
ds.mesh @mesh ["sp" = 2]
func.func @padded_input(%q: tensor<1x3x2x8xf32>, %m: tensor<1x1x2x1xi1>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %p = ds.pad %q low = [0, 0, 0, 0] strides = [1, 1, 1, 1] : (tensor<1x3x2x8xf32>) -> tensor<1x4x2x8xf32>
  %h = ds.all_to_all %p on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  %zero = ds.constant dense<0.0> : tensor<f32>
  %s = ds.select %m, %p, %zero : (tensor<1x1x2x1xi1>, tensor<1x4x2x8xf32>, tensor<f32>) -> tensor<1x4x2x8xf32>
  %hs = ds.all_to_all %s on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x2x8xf32>) -> tensor<1x2x4x8xf32>
  return %h, %hs : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

