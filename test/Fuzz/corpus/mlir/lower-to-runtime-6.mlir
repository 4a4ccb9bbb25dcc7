
// expected-error @+1 {{ds-lower-to-runtime needs func.func @train_step (run -ds-autodiff first)}}
module {
  func.func @forward() {
    return
  }
}

