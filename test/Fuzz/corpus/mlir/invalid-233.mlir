
func.func @recompute_nothing(%x: tensor<4xf32>) {
  // expected-error @+1 {{'ds.recompute' op recomputes nothing (no results)}}
  ds.recompute block = 0 (%x) : (tensor<4xf32>) -> () {
  ^bb0(%a: tensor<4xf32>):
    ds.yield
  }
  return
}

