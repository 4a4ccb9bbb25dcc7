
// A flat piece (ZeRO) is no larger than the parameter; a shaped gradient
// has the parameter's shape.
func.func @gradient_piece(%w: memref<2x3xf32>, %g: memref<7xf32>, %h: memref<3x2xf32>) {
  // expected-error @+1 {{'dsrt.gradient' op has a gradient of type 'memref<7xf32>', neither the parameter's shape nor a flat piece of it}}
  dsrt.gradient %w, %g : memref<2x3xf32>, memref<7xf32>
  return
}

