
func.func @broadcast_element_type(%x: tensor<64xf32>) {
  // expected-error @+1 {{'ds.broadcast' op element type 'bf16' differs from the input's 'f32'}}
  %0 = ds.broadcast %x : (tensor<64xf32>) -> tensor<2x64xbf16>
  return
}

