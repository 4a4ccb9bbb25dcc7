
func.func @yield_outside(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.yield' op expects parent op 'ds.recompute'}}
  ds.yield %x : tensor<4xf32>
}

