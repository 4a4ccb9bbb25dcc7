
func.func @constant_type() {
  // expected-error @+1 {{'dsrt.constant' op value of type}}
  %c = dsrt.constant dense<1.0> : tensor<2xf32> : memref<3xf32>
  return
}

