
func.func @broadcast_rank(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'ds.broadcast' op cannot broadcast rank 2 to the smaller rank 1}}
  %0 = ds.broadcast %x : (tensor<2x64xf32>) -> tensor<64xf32>
  return
}

