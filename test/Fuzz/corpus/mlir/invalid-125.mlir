
// expected-error @+1 {{mesh axis "sp" appears more than once in the sharding}}
func.func @sharding_axis_twice_in_dim(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{"sp", "sp"}, {}]>})

