
// expected-error @+1 {{sharding axes must be non-empty strings}}
func.func @sharding_empty_axis(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{""}, {}]>})

