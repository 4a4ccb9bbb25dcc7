
// expected-error @+1 {{sharding pieces must have a size of at least 1}}
func.func @sharding_piece_zero(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{0, 8:"sp"}, {}]>})

