
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @reduce_scatter_element_type(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{'ds.reduce_scatter' op result type 'tensor<4x8xbf16>' should be 'tensor<4x8xf32>'}}
  %0 = ds.reduce_scatter %x on @mesh ["dp"] dim = 0 reduction = max : (tensor<8x8xf32>) -> tensor<4x8xbf16>
  return
}

