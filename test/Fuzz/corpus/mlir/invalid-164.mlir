
func.func @select_condition_not_i1(%c: tensor<4xi32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.select' op operand #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<4xi32>'}}
  %0 = ds.select %c, %x, %x : (tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

