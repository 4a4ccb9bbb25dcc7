
// A split whose blocks straddle the target's pieces: [6] over dp = 3 gives
// rank r heads 2r and 2r + 1, while [2, 3:"dp"] (grouped-query heads split
// by their group) gives it heads r and 3 + r. No all-to-all moves one into
// the other: the dimension is gathered whole, then each rank takes its
// pieces of the [2, 3] view.
ds.mesh @mesh ["dp" = 3]
func.func @train_step(%x: tensor<4x6x6xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"dp"}, {}]>}) -> tensor<4x6x6xf32> {
  %a = ds.reshard %x to <@mesh, [{}, {2, 3:"dp"}, {}]> : tensor<4x6x6xf32>
  return %a : tensor<4x6x6xf32>
}
