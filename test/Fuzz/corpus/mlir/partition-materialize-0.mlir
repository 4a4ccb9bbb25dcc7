
// -ds-partition alone, on decisions written by hand: each ds.reshard becomes
// the collectives that realise it, values take their local types.

// A sequence split moved onto the last dimension: one all-to-all.
// The op takes its local type; its partial result is completed by one
// all-reduce; then gathered whole.
// A replicated value meeting a split takes its own piece, no communication.
ds.mesh @mesh ["dp" = 2, "sp" = 2]
func.func @train_step(%x: tensor<2x8x8xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}, {}]>},
                      %w: tensor<8x8xf32>) -> (tensor<2x8x8xf32>, tensor<8x8xf32>) {
  %a = ds.reshard %x to <@mesh, [{}, {}, {"sp"}]> : tensor<2x8x8xf32>
  %n = ds.neg %a {ds.shardings = [#ds.sharding<@mesh, [{}, {}, {"sp"}], partial = {"dp": sum}>]} : tensor<2x8x8xf32>
  %s = ds.reshard %n to <@mesh, [{}, {}, {"sp"}]> : tensor<2x8x8xf32>
  %g = ds.reshard %s to <@mesh, [{}, {}, {}]> : tensor<2x8x8xf32>
  %l = ds.reshard %w to <@mesh, [{"sp"}, {}]> : tensor<8x8xf32>
  return %g, %l : tensor<2x8x8xf32>, tensor<8x8xf32>
}

