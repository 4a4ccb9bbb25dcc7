
func.func @reshape_element_type(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{'ds.reshape' op element type 'bf16' differs from the input's 'f32'}}
  %0 = ds.reshape %x : (tensor<2x8xf32>) -> tensor<16xbf16>
  return
}

