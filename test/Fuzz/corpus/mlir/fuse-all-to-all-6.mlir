
// Trimmed siblings (3 real heads of 4, -ds-trim-all-to-all) of one type
// move together: packed along heads / n as before, then viewed as [3, 2] so
// that each keeps its real prefix along the 2: real_dim follows it (3).
// A sibling trimmed otherwise, or not at all, moves on its own.
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
