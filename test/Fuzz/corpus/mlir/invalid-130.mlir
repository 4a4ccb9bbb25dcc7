
ds.mesh @mesh ["dp" = 2, "sp" = 4]
func.func @reshard_rank(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'ds.reshard' op sharding has 1 dimensions but the tensor has 2}}
  %0 = ds.reshard %x to <@mesh, [{"sp"}]> : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

