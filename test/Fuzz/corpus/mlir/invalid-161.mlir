
func.func @exp_of_integers(%x: tensor<8xi32>) {
  // expected-error @+1 {{'ds.exp' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<8xi32>'}}
  %0 = ds.exp %x : tensor<8xi32>
  return
}

