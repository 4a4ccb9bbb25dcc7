
//===----------------------------------------------------------------------===//
// Operand and result types (ODS constraints and traits)
//===----------------------------------------------------------------------===//

func.func @dynamic_shape(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{'ds.neg' op operand #0 must be statically shaped tensor of floating-point or signless integer values, but got 'tensor<?x8xf32>'}}
  %0 = ds.neg %x : tensor<?x8xf32>
  return
}

