
// expected-error @+1 {{unknown reduction 'prod'}}
func.func @sharding_partial_kind(%x: tensor<8x16xf32> {ds.sharding = #ds.sharding<@mesh, [{}, {}], partial = {"sp": prod}>})

