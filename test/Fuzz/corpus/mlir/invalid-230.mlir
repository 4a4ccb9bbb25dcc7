
func.func @recompute_yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'ds.recompute' op yields 1 values whose types differ from its results}}
  %r = ds.recompute block = 0 (%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %s = ds.sum %a dims = [0] : (tensor<4xf32>) -> tensor<f32>
    ds.yield %s : tensor<f32>
  }
  return %r : tensor<4xf32>
}

