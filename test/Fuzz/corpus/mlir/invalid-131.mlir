
ds.mesh @mesh ["dp" = 2, "sp" = 4]
func.func @reshard_unknown_axis(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'ds.reshard' op sharding names axis "tp", which @mesh does not have}}
  %0 = ds.reshard %x to <@mesh, [{"tp"}, {}]> : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

