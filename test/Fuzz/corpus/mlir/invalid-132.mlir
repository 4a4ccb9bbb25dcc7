
ds.mesh @mesh ["dp" = 2, "sp" = 4]
func.func @reshard_pieces(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'ds.reshard' op the pieces of dimension 0 multiply to 12, not 8}}
  %0 = ds.reshard %x to <@mesh, [{4:"sp", 3}, {}]> : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

