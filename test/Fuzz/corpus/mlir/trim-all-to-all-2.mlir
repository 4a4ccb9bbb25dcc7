
// Nothing to trim: padding that is not at the end, a fill that is not zero,
// a result nothing reads, a result also read whole (by the exp).
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
