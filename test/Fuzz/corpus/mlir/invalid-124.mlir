
// expected-error @+1 {{mesh axis "dp" appears more than once in the sharding}}
func.func @sharding_axis_twice(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{"dp"}, {"dp"}]>})

