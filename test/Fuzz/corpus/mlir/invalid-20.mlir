
func.func @matmul_contracted(%a: tensor<4x16xf32>, %b: tensor<8x16xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op contracted dimensions differ: 16 vs 8}}
  %0 = ds.matmul %a, %b : (tensor<4x16xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return
}

