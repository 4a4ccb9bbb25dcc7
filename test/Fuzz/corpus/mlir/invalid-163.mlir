
func.func @matmul_of_integers(%a: tensor<4x16xi32>, %b: tensor<16x8xi32>) {
  // expected-error @+1 {{'ds.matmul' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<4x16xi32>'}}
  %0 = ds.matmul %a, %b : (tensor<4x16xi32>, tensor<16x8xi32>) -> tensor<4x8xi32>
  return
}

