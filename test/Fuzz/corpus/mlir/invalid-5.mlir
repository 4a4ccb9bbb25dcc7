
func.func @gradient_shape(%w: memref<2x3xf32>, %h: memref<3x2xf32>) {
  // expected-error @+1 {{'dsrt.gradient' op has a gradient of type 'memref<3x2xf32>', neither the parameter's shape nor a flat piece of it}}
  dsrt.gradient %w, %h : memref<2x3xf32>, memref<3x2xf32>
  return
}

