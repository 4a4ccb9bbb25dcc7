
// Pieces: the head size of a merged [heads * head_size] dimension takes
// sp, on a view whose dimensions are the pieces.
// The second reshard works on its own view (-canonicalize folds the
// reshapes in between).
ds.mesh @mesh ["sp" = 2]
func.func @train_step(%x: tensor<2x4x32xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}, {}]>}) -> tensor<2x4x32xf32> {
  %a = ds.reshard %x to <@mesh, [{}, {}, {4, 8:"sp"}]> : tensor<2x4x32xf32>
  %g = ds.reshard %a to <@mesh, [{}, {}, {}]> : tensor<2x4x32xf32>
  return %g : tensor<2x4x32xf32>
}

