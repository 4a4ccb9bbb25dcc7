
ds.mesh @mesh ["sp" = 2]
func.func @train_step(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'ds.reshard' op cannot make a value partial over sp}}
  %n = ds.reshard %x to <@mesh, [{}], partial = {"sp": sum}> : tensor<8xf32>
  return %n : tensor<8xf32>
}

