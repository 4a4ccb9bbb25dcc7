
func.func @constant_type() {
  // expected-error @+1 {{'ds.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "ds.constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<2x2xf32>
  return
}

