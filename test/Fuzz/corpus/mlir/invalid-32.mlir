
//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

func.func @sum_dims_empty(%x: tensor<2x8xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.sum' op dims must not be empty}}
  %0 = ds.sum %x dims = [] : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

