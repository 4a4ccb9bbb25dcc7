
func.func @mesh(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_gather' op refers to @mesh, which is not a ds.mesh}}
  %0 = ds.all_gather %x on @mesh ["dp"] dim = 0 : (tensor<8xf32>) -> tensor<16xf32>
  return
}

