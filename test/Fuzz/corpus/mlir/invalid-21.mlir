
// Without `transpose_lhs` the shapes would contract (16 vs 16).
func.func @matmul_contracted_transpose_lhs(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op contracted dimensions differ: 4 vs 16}}
  %0 = ds.matmul %a, %b transpose_lhs : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  return
}

