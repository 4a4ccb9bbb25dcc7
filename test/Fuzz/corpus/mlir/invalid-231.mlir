
func.func @recompute_arguments(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.recompute' op block arguments must have the types of the inputs}}
  %r = ds.recompute block = 0 (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf64>):
    %n = ds.neg %x : tensor<4xf32>
    ds.yield %n : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

