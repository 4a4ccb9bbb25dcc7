
ds.mesh @mesh ["dp" = 2, "sp" = 4]
func.func @reshard_piece_split(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{'ds.reshard' op a piece of size 2 cannot be split over "sp" = 4}}
  %0 = ds.reshard %x to <@mesh, [{2:"sp", 4}, {}]> : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

