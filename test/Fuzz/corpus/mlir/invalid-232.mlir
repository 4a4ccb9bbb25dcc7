
func.func @recompute_isolated(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = ds.recompute block = 0 (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    // expected-error @+1 {{using value defined outside the region}}
    %n = ds.neg %x : tensor<4xf32>
    // expected-note @-4 {{required by region isolation constraints}}
    ds.yield %n : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

