
func.func @matmul_element_types(%a: tensor<4x16xf32>, %b: tensor<16x8xbf16>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op operand element types differ: 'f32' vs 'bf16'}}
  %0 = ds.matmul %a, %b : (tensor<4x16xf32>, tensor<16x8xbf16>) -> tensor<4x8xf32>
  return
}

