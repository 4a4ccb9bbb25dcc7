
// expected-error @+1 {{mesh axis "sp" appears more than once in the sharding}}
func.func @sharding_partial_twice(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{"sp"}, {}], partial = {"sp": sum}>})

