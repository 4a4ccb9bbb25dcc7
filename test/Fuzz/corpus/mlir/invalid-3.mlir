
func.func @gradient_type(%w: memref<4xf32>, %g: memref<4xf16>) {
  // expected-error @+1 {{'dsrt.gradient' op failed to verify that all of {parameter, gradient} have same element type}}
  "dsrt.gradient"(%w, %g) : (memref<4xf32>, memref<4xf16>) -> ()
  return
}

