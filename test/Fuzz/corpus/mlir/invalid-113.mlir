
func.func @broadcast_size(%x: tensor<2x64xf32>) {
  // expected-error @+1 {{'ds.broadcast' op operand dimension 0 of size 2 cannot broadcast to size 4}}
  %0 = ds.broadcast %x : (tensor<2x64xf32>) -> tensor<3x4x64xf32>
  return
}

