
func.func @matmul_rhs_rank(%a: tensor<4x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.matmul' op operands must have rank >= 2, got 2 and 1}}
  %0 = ds.matmul %a, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4xf32>
  return
}

