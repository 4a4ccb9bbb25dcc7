
// expected-error @+1 {{no func.func @forward to differentiate}}
module {
  func.func @model(%w: tensor<4xf32>) -> tensor<4xf32> {
    return %w : tensor<4xf32>
  }
}

