
func.func @matmul_batch(%a: tensor<2x4x8x16xf32>, %b: tensor<3x16x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op batch dimensions [2, 4] and [3] are not broadcast-compatible}}
  %0 = ds.matmul %a, %b : (tensor<2x4x8x16xf32>, tensor<3x16x8xf32>) -> tensor<2x4x8x8xf32>
  return
}

